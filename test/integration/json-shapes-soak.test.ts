import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli, stateDir } from '../helpers/cli.js';
import { shapeChecker } from '../helpers/json-shape-check.js';
import { freePortRange } from '../helpers/ports.js';

// json-shapes.test.ts's soak part, on its own cluster so that it runs beside the others.
const { check: checkShape } = shapeChecker('soak');

describe('--json output matches the documented shapes (soak, its own cluster)', () => {
  test('soak: the drill report with its soak section', { timeout: 90_000 }, async () => {
    const dir = await stateDir();
    const port = await freePortRange(6);
    try {
      const r = await checkShape(dir, 'soak', [
        '--create',
        '--port',
        String(port),
        '--node-timeout',
        '1000',
        '--loops',
        '2',
        '--faults',
        'kill,failover',
        '--seed',
        '3',
        '--interval',
        '100ms',
        '--warmup',
        '300ms',
        '--format',
        'json',
        '--out',
        path.join(dir, 'report'),
      ]);
      expect(r.soak.rows).toHaveLength(2);
      const file = path.join(dir, 'report', 'report.json');
      await checkShape(dir, 'report compare', [file, file]);
    } finally {
      await runCli(['cluster', 'destroy'], { stateDir: dir });
    }
  });
});
