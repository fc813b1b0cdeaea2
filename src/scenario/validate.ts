import { UsageError } from '../errors.js';
import { describeStep } from '../drill/assertions.js';
import { loadScenario } from './load.js';
import { type Problem, ScenarioFileError, formatProblem } from './problems.js';

export interface FileValidation {
  file: string;
  valid: boolean;
  name: string | null;
  description: string | null;
  /** create, name or seed: what the file's cluster section does (none: the --cluster / --seed of the command line). */
  cluster: 'create' | 'sentinel' | 'name' | 'seed' | 'none' | null;
  /** Each step as one line: "steps[0] kill-master master=0". */
  steps: string[];
  /** Older spellings the file uses, each as a one-line notice (they still work). */
  notices: string[];
  problems: (Problem & { text: string })[];
}

export interface Validation {
  valid: boolean;
  files: FileValidation[];
}

/** Checks files without running anything; a file that cannot be read is a problem of that file. */
export async function validateFiles(files: readonly string[]): Promise<Validation> {
  const results: FileValidation[] = [];
  for (const file of files) {
    try {
      const s = await loadScenario(file);
      const c = s.cluster;
      results.push({
        file,
        valid: true,
        name: s.name,
        description: s.description,
        cluster: c.seed ? 'seed' : c.create ? 'create' : c.sentinel ? 'sentinel' : c.name ? 'name' : 'none',
        steps: s.steps.map(describeStep),
        notices: s.notices,
        problems: [],
      });
    } catch (e) {
      const problems: Problem[] =
        e instanceof ScenarioFileError
          ? e.problems
          : e instanceof UsageError
            ? [{ path: [], line: null, column: null, message: e.message }]
            : [];
      if (!problems.length) throw e;
      results.push({
        file,
        valid: false,
        name: null,
        description: null,
        cluster: null,
        steps: [],
        notices: [],
        problems: problems.map((p) => ({
          ...p,
          text: e instanceof ScenarioFileError ? formatProblem(file, p) : p.message,
        })),
      });
    }
  }
  return { valid: results.every((r) => r.valid), files: results };
}
