import type { DeploymentNode } from '../../deployment/handle.js';
import { pidOf, recordPid } from '../../deployment/lookup.js';
import { rejoinNode } from '../../faults/rejoin.js';
import { StepFailed } from '../run-record.js';
import { noOptions } from '../schema-parts.js';
import { type StepHandler, defineStep } from '../step.js';

/**
 * power-loss: SIGKILL to every data node at once (a rack or a region losing
 * power), then every node started again from its own files. Nothing is
 * promoted: every node comes back as it was, with what its persistence kept
 * (--persistence: none keeps nothing, rdb the last snapshot, aof every write
 * the kernel had). A `wait-for: cluster-ok` after it is the time to serve
 * again; the drill's `no keys lost` check says what was lost. SIGKILL
 * cannot lose the page cache: see docs/faults.md.
 */
export const powerLossStep: StepHandler = defineStep<Record<string, never>>({
  name: 'power-loss',
  schema: noOptions('power-loss'),
  role: 'fault',
  needsProcess: true,
  refs: () => [],
  gives: () => [],
  async run(run, _o, step) {
    const d = run.deployment;
    const nodes = d.nodes.filter((n): n is DeploymentNode & { redis: NonNullable<DeploymentNode['redis']> } =>
      Boolean(n.redis),
    );
    const pids = await Promise.all(nodes.map((n) => pidOf(d, n)));
    const gone = nodes.filter((_, i) => pids[i] === null);
    if (gone.length) throw new StepFailed(`${gone.map((n) => n.label).join(', ')} not running: nothing to cut`);
    // Every node started again if Ctrl-C ends the drill before they are.
    run.undoIfEndedEarly('power-loss', {
      what: `restarted every node (power-loss of steps[${step.index}])`,
      run: async () => {
        for (const n of nodes)
          await rejoinNode(d, { node: n.label, mode: 'restart', wait: false, cleanup: true }).catch(() => undefined);
      },
      onInterruptOnly: true,
    });
    const t0 = run.observer.markFault();
    await Promise.all(nodes.map((n, i) => n.redis.signal(pids[i]!, 'KILL')));
    const sendMs = run.clock.now() - t0;
    run.observer.describeFault('every node', `SIGKILL sent to ${nodes.length} nodes at once`);
    const startedAt = run.clock.now();
    const newPids = await Promise.all(
      nodes.map((n) => n.redis.start({ timeoutMs: 30_000, abortSignal: d.abortSignal })),
    );
    for (const [i, n] of nodes.entries()) await recordPid(d, n, newPids[i]!);
    const how = `SIGKILL to all ${nodes.length} nodes at once, all started again ${Math.round(startedAt - t0)} ms later`;
    // No one victim: the fault's node is the whole deployment (the report names it by its how).
    const first = nodes[0]!;
    run.recordFault({
      index: step.index,
      kind: 'power-loss',
      how,
      victim: { id: null, host: first.host, port: first.port },
      t0,
      sendMs,
    });
    run.restoredItself('power-loss');
    return {
      detail: `${how}, from their own files (persistence ${d.state?.persistence ?? 'unknown'}); every process answers again after ${Math.round(run.clock.now() - t0)} ms`,
    };
  },
});
