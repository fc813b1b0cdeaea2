import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/** After the run: the ten slowest tests, so whoever waits for the suite sees where the time goes. */
export default class SlowestReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const tests = modules.flatMap((m) =>
      [...m.children.allTests()].map((t) => ({
        ms: t.diagnostic()?.duration ?? 0,
        name: `${path.relative(process.cwd(), m.moduleId)} > ${t.fullName}`,
      })),
    );
    const slowest = tests.sort((a, b) => b.ms - a.ms).slice(0, 10);
    if (slowest.length === 0) return;
    const lines = slowest.map((t) => `${(t.ms / 1000).toFixed(1).padStart(6)} s  ${t.name}`);
    process.stdout.write(`\nThe ${slowest.length} slowest tests:\n${lines.join('\n')}\n`);
  }
}
