import * as z from 'zod';
import { rollingRestart } from '../../faults/rolling-restart.js';
import { parseAddress } from '../../nodes/address.js';
import { silentReporter } from '../../util/reporter.js';
import { checkName } from '../run-record.js';
import { expected } from '../schema-parts.js';
import { defineStep } from '../step.js';

const configValue = z.union([z.string(), z.number(), z.boolean()], expected('a string, number or true/false'));
const schema = z.preprocess(
  (v) => (v === null || v === undefined || v === true ? {} : v),
  z.strictObject(
    { config: z.record(z.string(), configValue, expected('a mapping of redis.conf keys to values')).optional() },
    expected('no options, or { config: { key: value } }'),
  ),
);

/**
 * rolling-restart: `cluster rolling-restart` as a step, under the drill's
 * load and instruments, so the report has each master's slots' longest
 * span without a successful write (the write probe) and the writes lost.
 * Each master's failover is an expected promotion; the step waits for every
 * node itself, so nothing follows it but the checks.
 */
export const rollingRestartStep = defineStep<z.output<typeof schema>>({
  name: 'rolling-restart',
  schema,
  role: 'fault',
  needsProcess: true,
  refs: () => [],
  gives: () => [],
  async run(run, o, step) {
    const config = Object.entries(o.config ?? {}).map(([key, value]) => ({ key, value: String(value) }));
    const t0 = run.observer.markFault();
    run.observer.describeFault('every node', 'rolling restart: replicas first, then each master after a failover');
    const r = await rollingRestart(run.deployment, {
      config,
      reporter: silentReporter,
      observer: run.observer,
      onFailover: (victim, to) => run.expectPromotion({ victim, manual: true, chosen: to.id, t0: run.clock.now() }),
    });
    // A fault of every node: the report names it by its how (see faultSentence).
    const first = parseAddress(r.nodes[0]?.node ?? '') ?? { host: '', port: 0 };
    run.recordFault({
      index: step.index,
      kind: 'rolling-restart',
      how: `rolling restart of ${r.nodes.length} nodes in ${r.elapsedMs} ms`,
      victim: { id: null, host: first.host, port: first.port },
      t0,
      sendMs: 0,
    });
    // Its own checks by their own names (a built-in drill's label would fold them into one); the drill counts the keys.
    run.addChecks(
      r.checks
        .filter((c) => c.name !== 'no keys lost')
        .map((c) => ({ ...c, name: step.label ? c.name : checkName({ ...step, label: undefined }, c.name) })),
    );
    return {
      detail: `${r.nodes.map((n) => `${n.node} pid ${n.oldPid ?? '?'} -> ${n.newPid ?? '?'}`).join(', ')} in ${r.elapsedMs} ms`,
    };
  },
});
