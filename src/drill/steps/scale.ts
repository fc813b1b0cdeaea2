import * as z from 'zod';
import { fixCluster, fixSummary } from '../../cluster/fix.js';
import { addNode, removeNode } from '../../cluster/membership.js';
import { rebalance } from '../../cluster/rebalance.js';
import { RESHARD_DEFAULTS } from '../../cluster/reshard.js';
import { formatAddress } from '../../nodes/address.js';
import { expected, name, noOptions, ref, shortForm } from '../schema-parts.js';
import { defineStep } from '../step.js';
import { countRedirections, recordMove } from './reshard.js';

const addSchema = z.preprocess(
  (v) => (v === null || v === undefined ? {} : v),
  z.strictObject(
    { 'replica-of': ref.optional(), as: name.optional() },
    expected('nothing (an empty master), or a mapping { replica-of: NODE, as: NAME }'),
  ),
);

/** A new node: an empty master, or a replica of a master; named (default `added`). */
export const addNodeStep = defineStep<z.output<typeof addSchema>>({
  name: 'add-node',
  schema: addSchema,
  needsProcess: true,
  redisClusterOnly: true,
  refs: (o) => (o['replica-of'] ? [{ path: ['replica-of'], ref: o['replica-of'] }] : []),
  gives: (o) => [o.as ?? 'added'],
  async run(run, o) {
    const of = o['replica-of'] ? await run.node(o['replica-of']) : null;
    const r = await addNode({
      stateDir: run.deployment.stateDir,
      cluster: run.deployment.name,
      timeoutMs: run.deployment.connect.timeoutMs,
      replicaOf: of ? formatAddress(of) : undefined,
      abortSignal: run.abortSignal,
    });
    await run.refreshNodes();
    const node = run.named(o.as ?? 'added', r.node);
    return {
      detail: `${formatAddress(r.node)} joined as ${r.node.role === 'master' ? 'an empty master' : `a replica of ${r.node.master}`} in ${r.elapsedMs} ms; named ${node.name}`,
      node,
    };
  },
});

/** A node out of the cluster (FORGET everywhere, stopped, removed); a master must own no slots. */
export const removeNodeStep = defineStep<{ node: string }>({
  name: 'remove-node',
  schema: shortForm(
    'node',
    z.strictObject({ node: ref }, expected('a node (a name, Master[N], HOST:PORT or an id prefix)')),
  ),
  needsProcess: true,
  redisClusterOnly: true,
  refs: (o) => [{ path: ['node'], ref: o.node }],
  gives: () => [],
  async run(run, o) {
    const n = await run.node(o.node);
    const r = await removeNode({
      stateDir: run.deployment.stateDir,
      cluster: run.deployment.name,
      timeoutMs: run.deployment.connect.timeoutMs,
      node: formatAddress(n),
      abortSignal: run.abortSignal,
    });
    await run.refreshNodes();
    return {
      detail: `${r.node.role} ${formatAddress(r.node)} forgotten by ${r.forgottenBy} node(s), stopped and removed`,
    };
  },
});

/** Evens out the slots over every master (empty ones included), one reshard per move. */
export const rebalanceStep = defineStep<Record<string, never>>({
  name: 'rebalance',
  schema: noOptions('rebalance'),
  needsProcess: false,
  redisClusterOnly: true,
  refs: () => [],
  gives: () => [],
  async run(run, _o, step) {
    const t0 = run.clock.now();
    const counted = await countRedirections(run);
    const r = await rebalance({
      connect: run.deployment.connect,
      targets: run.deployment.nodes,
      pipeline: RESHARD_DEFAULTS.pipeline,
      abortSignal: run.abortSignal,
      clock: run.clock,
    });
    const total = await counted();
    let at = t0;
    r.moves.forEach((m, i) => {
      recordMove(run, step.index, at, m, null, [], i === r.moves.length - 1 ? total : null);
      at += m.elapsedMs;
    });
    return {
      detail: r.moves.length
        ? `moved ${r.slots} slots and ${r.keys} keys in ${r.moves.length} move(s); slots per master now ${r.after.map((m) => m.slots).join(' / ')}`
        : 'nothing to move: the slots were even',
    };
  },
});

/** cluster fix as a step: open slots closed, unserved slots assigned; what it did is in the report. */
export const fixStep = defineStep<Record<string, never>>({
  name: 'fix',
  schema: noOptions('fix'),
  needsProcess: false,
  redisClusterOnly: true,
  refs: () => [],
  gives: () => [],
  async run(run, _o, step) {
    const r = await fixCluster({
      connect: run.deployment.connect,
      targets: run.deployment.nodes,
      abortSignal: run.abortSignal,
      clock: run.clock,
    });
    run.recordFix(step.index, r);
    return {
      detail: r.actions.length
        ? `${r.actions.length} slot(s) fixed in ${r.elapsedMs} ms: ${fixSummary(r.actions).join('; ')}`
        : 'nothing to fix: every slot was stable and served',
    };
  },
});
