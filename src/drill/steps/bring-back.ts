import * as z from 'zod';
import { findNode, pidOf } from '../../deployment/lookup.js';
import { rejoinNode } from '../../faults/rejoin.js';
import { formatAddress } from '../../nodes/address.js';
import { expected, ref, shortForm } from '../schema-parts.js';
import { type StepHandler, defineStep } from '../step.js';
import { faultDetail } from './fault-detail.js';

const schema = shortForm('node', z.strictObject({ node: ref }, expected('a node, or a mapping { node: NODE }')));

/**
 * restart-node (start a killed node again; a running one is shut down first,
 * as a rolling restart needs) and resume-node (SIGCONT a frozen one). The
 * step does not wait: a `wait-for: rejoin` after it does.
 */
function bringBack(mode: 'restart' | 'resume'): StepHandler {
  return defineStep<z.output<typeof schema>>({
    name: `${mode}-node`,
    schema,
    role: 'restore',
    needsProcess: true,
    refs: (o) => [{ path: ['node'], ref: o.node }],
    gives: () => [],
    async run(run, o) {
      const node = await run.node(o.node);
      let first = '';
      if (mode === 'restart') {
        const dn = findNode(run.deployment, node);
        const pid = dn ? await pidOf(run.deployment, dn) : null;
        if (dn?.redis && pid !== null && (await dn.redis.processState(pid)) === 'running') {
          await dn.redis.stop(pid);
          first = `shut down pid ${pid}, then `;
        }
      }
      const r = await rejoinNode(run.deployment, {
        node: formatAddress(node),
        mode,
        wait: false,
        observer: run.observer,
      });
      // Brought back by the drill itself: nothing left to undo at the end.
      run.expectRejoin({ node, t0: Date.parse(r.faultAt), how: r.how });
      return { detail: `${first}${faultDetail(r)}${node.name ? ` (${node.name})` : ''}`, node };
    },
  });
}

export const restartNodeStep = bringBack('restart');
export const resumeNodeStep = bringBack('resume');
