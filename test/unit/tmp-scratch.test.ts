import { test } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
test('x', () => { for (const t of ['cluster: { seed: nowhere }\nsteps: [populate: 5]\n', 'steps:\n  - kill-master: { master: 0\n  - wait-for: promotion\n', 'steps:\n - failover: { replica: victim, as: old }\n - wait-for: { promotion: old, as: 3x }\n']) { try { parseScenario(t, 'd.yaml'); } catch (e: any) { console.log(e.message, e.details); } } });
