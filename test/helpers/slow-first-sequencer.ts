import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The integration files over 20 s, longest first (20-130 s each in a CI run
 * with four files at a time). On a clean clone vitest has no durations and
 * starts the biggest files first; a short file that starts early and a long
 * one that starts last make a long tail. Starting these first keeps the
 * suite near its total divided by the workers. A file not listed runs after
 * them, in vitest's own order.
 */
const SLOW_FIRST = [
  'scenarios',
  'soak',
  'remote-slow-shell',
  'restart-wipe',
  'partition',
  'scale',
  'sentinel',
  'loads',
  'json-shapes',
  'remote',
  'report',
  'clients',
  'faults',
  'drill-engine',
  'remote-lab',
  'rolling-restart',
  'json-shapes-sentinel',
  'create-errors',
  'kill-during-sync',
  'resync',
  'lifecycle',
  'instruments',
  'scenario-errors',
];

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification): number => {
      const i = SLOW_FIRST.indexOf(path.basename(f.moduleId, '.test.ts'));
      return i < 0 ? SLOW_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the files not listed keep vitest's order.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}
