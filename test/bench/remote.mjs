// npm run bench:remote — a 6-node create over SSH against the same create on
// local processes.
//
// SSH path: `cluster create --hosts root@127.0.0.2,root@127.0.0.3,root@127.0.0.4`
// through a real sshd this script starts on those loopback addresses (three
// "machines", 2 nodes each). Local path: `cluster create` on 127.0.0.1. Same
// masters/replicas and node timeout; both are timed as whole CLI processes
// (Node start-up included) and by the command's own elapsedMs. Runs alternate
// so machine noise hits both alike. The difference is what SSH adds.
//
// Env: BENCH_RUNS (default 5).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SSH_HOSTS, startSshd } from '../helpers/sshd-server.mjs';
import { drill, fmtMs, freeBase, median, printTable } from './lib.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const NODE_TIMEOUT = 5000;
const root = await mkdtemp(path.join(os.tmpdir(), 'bench-remote-'));
const sshd = await startSshd(await mkdtemp(path.join(root, 'sshd-')));
const live = new Set();

async function create(args) {
  const stateDir = await mkdtemp(path.join(root, 'state-'));
  const env = { REDIS_DRILL_HOME: stateDir };
  live.add(env);
  try {
    const r = await drill(['cluster', 'create', ...args, '--node-timeout', String(NODE_TIMEOUT), '--json', '-q'], env);
    return { wall: r.ms, own: JSON.parse(r.stdout).elapsedMs };
  } finally {
    await drill(['cluster', 'destroy', '-q'], env);
    live.delete(env);
  }
}

async function cleanup() {
  for (const env of live) await drill(['cluster', 'destroy', '-q'], env).catch(() => {});
  await sshd.stop();
  await rm(root, { recursive: true, force: true });
}
process.on('SIGINT', () => cleanup().then(() => process.exit(130)));

console.log(
  `bench:remote — 3 masters + 3 replicas, node timeout ${NODE_TIMEOUT} ms, ${os.cpus().length} cores, ${RUNS} runs per path, alternating`,
);
console.log(`SSH: real sshd on ${SSH_HOSTS.join(', ')} port ${sshd.port}, 2 nodes per host; local: 127.0.0.1\n`);
const ssh = [];
const local = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const base = await freeBase(6, 13000);
    const remoteDir = await mkdtemp(path.join(root, 'remote-'));
    ssh.push(
      await create([
        '--hosts',
        SSH_HOSTS.map((h) => `root@${h}`).join(','),
        ...sshd.flags(),
        '--remote-dir',
        remoteDir,
        '--port',
        String(base),
      ]),
    );
    local.push(await create(['--port', String(await freeBase(6, 15000))]));
    console.log(
      `run ${i + 1}: ssh ${fmtMs(ssh[i].wall)} (own ${fmtMs(ssh[i].own)}), local ${fmtMs(local[i].wall)} (own ${fmtMs(local[i].own)})`,
    );
  }
} finally {
  await cleanup();
}
const m = (xs, k) => median(xs.map((x) => x[k]));
console.log('');
printTable([
  ['path', 'median wall', 'median own elapsedMs'],
  ['ssh (3 hosts)', fmtMs(m(ssh, 'wall')), fmtMs(m(ssh, 'own'))],
  ['local', fmtMs(m(local, 'wall')), fmtMs(m(local, 'own'))],
  ['ssh - local', fmtMs(m(ssh, 'wall') - m(local, 'wall')), fmtMs(m(ssh, 'own') - m(local, 'own'))],
  [
    'ssh / local',
    `${(m(ssh, 'wall') / m(local, 'wall')).toFixed(2)}x`,
    `${(m(ssh, 'own') / m(local, 'own')).toFixed(2)}x`,
  ],
]);
console.log('\nTarget: SSH adds at most 1 s to a 6-node create.');
