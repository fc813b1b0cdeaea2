import * as z from 'zod';
import { probesNow } from '../../deployment/lookup.js';
import { roleOf } from '../../deployment/lookup.js';
import { formatAddress } from '../../nodes/address.js';
import type { Check } from '../../report/model.js';
import { deferredOf, roleCheck } from '../assertions.js';
import { type PromotionRecord, checkName } from '../run-record.js';
import { expected, int } from '../schema-parts.js';
import { defineStep } from '../step.js';

export const ASSERTIONS = [
  'max-unavailable-ms',
  'max-lost-writes',
  'max-errors',
  'max-double-grants',
  'max-lost-messages',
  'max-lost-keys',
  'max-promotion-ms',
  'roles',
  'cluster-ok',
] as const;

const schema = z
  .strictObject(
    {
      'max-unavailable-ms': int(0).optional(),
      'max-lost-writes': int(0).optional(),
      'max-errors': int(0).optional(),
      'max-double-grants': int(0).optional(),
      'max-lost-messages': int(0).optional(),
      'max-promotion-ms': int(0).optional(),
      'max-lost-keys': int(0).optional(),
      roles: z
        .record(
          z.string(),
          z.enum(['master', 'replica'], expected('master or replica')),
          expected('a mapping of nodes to master or replica, e.g. { victim: replica }'),
        )
        .optional(),
      'cluster-ok': z.literal(true, expected('true')).optional(),
    },
    expected(`a mapping of assertions (${ASSERTIONS.join(', ')})`),
  )
  .refine((o) => ASSERTIONS.some((k) => o[k] !== undefined), {
    error: `expected at least one of ${ASSERTIONS.join(', ')}`,
  });

/**
 * Checks what can be checked now (roles by ROLE, cluster_state:ok, promotion
 * times so far); the load's figures (unavailability, lost writes, errors)
 * are judged once the load has stopped and its counters are read back.
 */
export const assertStep = defineStep<z.output<typeof schema>>({
  name: 'assert',
  schema,
  needsProcess: false,
  refs: (o) => Object.keys(o.roles ?? {}).map((k) => ({ path: ['roles', k], ref: k })),
  gives: () => [],
  async run(run, o, step) {
    const done: Check[] = [];
    if (o.roles) {
      const items = await Promise.all(
        Object.entries(o.roles).map(async ([ref, want]) => {
          const n = await run.node(ref);
          // A node that does not answer is reported as such in the check, not as an error of the drill.
          return { ref, address: formatAddress(n), want, got: await roleOf(run.deployment, n).catch(() => null) };
        }),
      );
      done.push(roleCheck(step.index, items, step.label));
    }
    if (o['cluster-ok']) {
      const r = run.deployment.ops.healthy(await probesNow(run.deployment, run.observer));
      done.push({ name: checkName(step, 'cluster-ok'), passed: r.done, detail: r.done ? r.value : r.seen });
    }
    if (o['max-promotion-ms'] !== undefined) {
      const limit = o['max-promotion-ms'];
      const promotions = run.promotionsSoFar();
      const slowest = promotions.reduce<PromotionRecord | null>(
        (a, p) => (a === null || (p.ms ?? Infinity) > (a.ms ?? Infinity) ? p : a),
        null,
      );
      done.push({
        name: checkName(step, 'max-promotion-ms'),
        passed: slowest !== null && promotions.every((p) => p.ms !== null && p.ms <= limit),
        detail: slowest
          ? `slowest of ${promotions.length} promotion(s): ${formatAddress(slowest.promoted)} after ${slowest.ms ?? '?'} ms; limit ${limit} ms`
          : 'no promotion measured before this step',
      });
    }
    if (o['max-lost-keys'] !== undefined) {
      const limit = o['max-lost-keys'];
      const populated = run.populatedKeys();
      const total = populated.reduce((n, p) => n + p.count, 0);
      if (total === 0)
        done.push({
          name: checkName(step, 'max-lost-keys'),
          passed: false,
          detail: 'no populate step wrote keys before this step: nothing to count',
        });
      else {
        // Imported here: it brings ioredis's Cluster client, which `scenario validate` (this file's schema) never needs.
        const { keysPresent } = await import('../../cluster/keys-present.js');
        const present = await keysPresent(run.deployment.nodes, run.deployment.connect, populated);
        done.push({
          name: checkName(step, 'max-lost-keys'),
          passed: total - present <= limit,
          detail: `${total - present} of the ${total} keys populate wrote are missing (EXISTS through a cluster client); limit ${limit}`,
        });
      }
    }
    const later = deferredOf(step, o);
    run.defer(later);
    run.addChecks(done);
    const parts = [
      ...done.map((c) => `${c.passed ? 'pass' : 'FAIL'}: ${c.detail}`),
      ...later.map((d) => `${d.kind} ${d.limit}: judged at the end of the run`),
    ];
    return { detail: parts.join('; ') };
  },
});
