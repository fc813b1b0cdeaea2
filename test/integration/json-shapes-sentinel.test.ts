import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stateDir } from '../helpers/cli.js';
import { ownAddresses, sentinelCreateArgs } from '../helpers/cluster.js';
import { QUICK_MATRIX, shapeChecker } from '../helpers/json-shape-check.js';
import { freePortRange } from '../helpers/ports.js';

// json-shapes.test.ts's Sentinel part, on its own deployment so that it runs beside the cluster part.
// kill-master, resume-node, restart-node and failover-report are checked in sentinel.test.ts.
const { check: checkShape } = shapeChecker('sentinel');

describe('--json output matches the documented shapes (real Sentinel deployment)', () => {
  let dir = '';
  const check = (command: string, args: string[], code = 0): Promise<any> => checkShape(dir, command, args, code);

  beforeAll(async () => {
    dir = await stateDir();
    const port = await freePortRange(6);
    // Own addresses: sentinel partition needs one address per node and sentinel.
    await check('sentinel create', sentinelCreateArgs(port, ['--bind', ownAddresses(port)]));
  });
  afterAll(async () => {
    if (dir) await check('sentinel destroy', []);
  });

  test('status, failover, partition, client matrix, stop and start', { timeout: 120_000 }, async () => {
    await check('sentinel status', []);
    await check('sentinel failover', []);
    // Shorter than down-after: healed before any failover; then nothing is left to heal.
    const cut = await check('sentinel partition', ['--duration', '300ms']);
    expect(cut.partition.healedAt).not.toBeNull();
    await check('sentinel heal', []);
    const matrix = await check('sentinel clients', [
      ...QUICK_MATRIX,
      '--faults',
      'kill',
      '--libraries',
      'ioredis-failover',
      '--out',
      path.join(dir, 'clients'),
    ]);
    expect(matrix.matrix).toHaveLength(1);
    expect(matrix.deployment.kind).toBe('sentinel');
    await check('sentinel stop', []);
    await check('sentinel start', []);
  });
});
