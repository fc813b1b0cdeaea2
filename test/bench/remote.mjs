// npm run bench:remote — a 6-node cluster over SSH against the same cluster
// on local processes, on hosts with a fast and with a slow login shell.
//
// Three paths, each run BENCH_RUNS times (default 3), alternating so machine
// noise hits all alike:
// - local: `cluster create` on 127.0.0.1;
// - ssh: `cluster create --hosts root@127.0.0.2,root@127.0.0.3,root@127.0.0.4`
//   through a real sshd this script starts on those loopback addresses (three
//   "machines", 2 nodes each), the account's own login shell as it is;
// - ssh, slow shell: the same through a second sshd whose login shell sleeps
//   BENCH_SHELL_S (0.5) seconds before every command, as a .bashrc that sets
//   up pyenv, nvm or conda does.
// Each run times, as whole CLI processes (Node start-up included):
// `cluster create`, `cluster status`, `cluster kill-master --master 0` (and
// the promotion it measured, with its source), `cluster destroy`. One plain
// `ssh HOST true` per sshd shows what a remote command costs without a
// session (the login shell's start-up).
//
// Goals (issue 21, slow shell): create within local + 1.5 s; status <= 1 s;
// kill-master's promotion as locally (log-based, ±50 ms); destroy <= 2 s.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SSH_HOSTS, startSshd } from '../helpers/sshd-server.mjs';
import { drill, fmtMs, freeBase, median, printTable } from './lib.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SHELL_S = Number(process.env.BENCH_SHELL_S ?? 0.5);
const NODE_TIMEOUT = 1000;
const root = await mkdtemp(path.join(os.tmpdir(), 'bench-remote-'));
const fast = await startSshd(await mkdtemp(path.join(root, 'sshd-')), { band: 2600 });
const slow = await startSshd(await mkdtemp(path.join(root, 'sshd-')), { band: 2700, loginShell: `sleep ${SHELL_S}` });
const live = new Set();

/** One plain remote command, no shared connection: the login shell's cost. */
function plainSsh(sshd) {
  const t0 = performance.now();
  execFileSync('ssh', [
    ...['-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${sshd.knownHosts}`, '-o', 'StrictHostKeyChecking=no'],
    ...['-i', sshd.identity, '-p', String(sshd.port), `root@${SSH_HOSTS[0]}`, 'true'],
  ]);
  return performance.now() - t0;
}

async function timed(args, env) {
  const r = await drill([...args, '--json', '-q'], env);
  return { ms: r.ms, json: r.stdout ? JSON.parse(r.stdout) : null };
}

/** create, status, kill-master, destroy on one path; every figure a whole CLI process. */
async function cycle(placeArgs) {
  const env = { REDIS_DRILL_HOME: await mkdtemp(path.join(root, 'state-')) };
  live.add(env);
  try {
    const create = await timed(['cluster', 'create', ...placeArgs, '--node-timeout', String(NODE_TIMEOUT)], env);
    const status = await timed(['cluster', 'status'], env);
    const kill = await timed(['cluster', 'kill-master', '--master', '0'], env);
    const destroy = await timed(['cluster', 'destroy'], env);
    live.delete(env);
    return {
      create: create.ms,
      status: status.ms,
      kill: kill.ms,
      promotion: kill.json?.promotionMs ?? null,
      source: kill.json?.promotionSource ?? '?',
      destroy: destroy.ms,
    };
  } finally {
    if (live.has(env)) await drill(['cluster', 'destroy', '-q'], env).catch(() => {});
    live.delete(env);
  }
}

async function sshPlace(sshd) {
  const remoteDir = await mkdtemp(path.join(root, 'remote-'));
  return sshd.placeFlags(remoteDir, await freeBase(6, 13000));
}

async function cleanup() {
  for (const env of live) await drill(['cluster', 'destroy', '-q'], env).catch(() => {});
  await fast.stop();
  await slow.stop();
  await rm(root, { recursive: true, force: true });
}
process.on('SIGINT', () => cleanup().then(() => process.exit(130)));

console.log(
  `bench:remote — 3 masters + 3 replicas, node timeout ${NODE_TIMEOUT} ms, ${os.cpus().length} cores, ${RUNS} runs per path, alternating`,
);
console.log(`SSH: real sshd on ${SSH_HOSTS.join(', ')}, 2 nodes per host; local: 127.0.0.1`);
const paths = { local: [], ssh: [], 'ssh, slow shell': [] };
try {
  console.log(
    `one plain \`ssh HOST true\` (a login shell per command): ${fmtMs(plainSsh(fast))} (this account's shell), ${fmtMs(plainSsh(slow))} (slow shell: +${SHELL_S} s)\n`,
  );
  for (let i = 0; i < RUNS; i++) {
    paths.local.push(await cycle(['--port', String(await freeBase(6, 15000))]));
    paths.ssh.push(await cycle(await sshPlace(fast)));
    paths['ssh, slow shell'].push(await cycle(await sshPlace(slow)));
    console.log(
      `run ${i + 1}: ` +
        Object.entries(paths)
          .map(
            ([k, v]) =>
              `${k}: create ${fmtMs(v[i].create)}, status ${fmtMs(v[i].status)}, kill ${fmtMs(v[i].kill)} (promotion ${v[i].promotion} ms, ${v[i].source}), destroy ${fmtMs(v[i].destroy)}`,
          )
          .join(' | '),
    );
  }
} finally {
  await cleanup();
}
const m = (xs, k) => median(xs.map((x) => x[k]));
const local = paths.local;
console.log('');
printTable([
  ['path', 'create', 'create - local', 'status', 'kill-master', 'promotion (source)', 'destroy'],
  ...Object.entries(paths).map(([k, v]) => [
    k,
    fmtMs(m(v, 'create')),
    k === 'local' ? '-' : `+${fmtMs(m(v, 'create') - m(local, 'create'))}`,
    fmtMs(m(v, 'status')),
    fmtMs(m(v, 'kill')),
    `${m(v, 'promotion')} ms (${[...new Set(v.map((x) => x.source))].join(', ')})`,
    fmtMs(m(v, 'destroy')),
  ]),
]);
console.log(
  '\nMedians; every time is a whole CLI process. Goals on the slow shell: create within local + 1.5 s, status <= 1 s, the promotion as locally (±50 ms, from the log), destroy <= 2 s.',
);
