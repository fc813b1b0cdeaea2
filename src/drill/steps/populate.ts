import * as z from 'zod';
import { populate } from '../../cluster/populate.js';
import { StepFailed } from '../run-record.js';
import { expected, int, shortForm, text } from '../schema-parts.js';
import { defineStep } from '../step.js';

const schema = shortForm(
  'keys',
  z.strictObject(
    {
      keys: int(1, 100_000_000),
      prefix: text.optional(),
      'value-size': int(0, 512 * 1024 * 1024).optional(),
    },
    expected('a number of keys, or a mapping { keys: N, prefix: key, value-size: 16 }'),
  ),
);

/** Writes key1..keyN straight to each slot's master; a failed write fails the step. */
export const populateStep = defineStep<z.output<typeof schema>>({
  name: 'populate',
  schema,
  needsProcess: false,
  refs: () => [],
  gives: () => [],
  async run(run, o) {
    const r = await populate(run.deployment.nodes, {
      keys: o.keys,
      prefix: o.prefix ?? 'key',
      valueSize: o['value-size'] ?? 16,
      connect: run.deployment.connect,
      abortSignal: run.abortSignal,
    });
    run.recordPopulated(o.prefix ?? 'key', o.keys);
    if (r.errors > 0)
      throw new StepFailed(`${r.errors} of ${r.keys} writes failed: ${r.errorSamples.slice(0, 2).join('; ')}`);
    return { detail: `wrote ${r.written} keys in ${r.elapsedMs} ms; the cluster holds ${r.totalKeys} keys` };
  },
});
