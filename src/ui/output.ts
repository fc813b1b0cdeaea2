import { Chalk, type ChalkInstance } from 'chalk';
import chalk from 'chalk';
import type { Reporter } from '../util/reporter.js';

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  color: boolean;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
}

/**
 * The one place that writes to the terminal. Results go to stdout (a table,
 * or one JSON document with --json); progress, warnings and errors go to
 * stderr, with a spinner and colour only on a TTY.
 */
export class Output {
  readonly c: ChalkInstance;
  private readonly stdout: NodeJS.WriteStream;
  private readonly stderr: NodeJS.WriteStream;

  constructor(readonly options: OutputOptions) {
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    const colorAllowed = options.color && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '');
    this.c = new Chalk({ level: colorAllowed && this.stdout.isTTY ? chalk.level || 1 : 0 });
  }

  private get stderrColor(): ChalkInstance {
    return this.c.level > 0 && this.stderr.isTTY ? this.c : new Chalk({ level: 0 });
  }

  /** The command's result, as text. Suppressed under --json (the JSON is the result). */
  result(text: string): void {
    if (!this.options.json) this.stdout.write(text.endsWith('\n') ? text : text + '\n');
  }

  /** The command's result as one JSON document; only under --json. */
  json(value: unknown): void {
    if (this.options.json) this.stdout.write(JSON.stringify(value, null, 2) + '\n');
  }

  info(message: string): void {
    if (!this.options.quiet) this.stderr.write(message + '\n');
  }

  verbose(message: string): void {
    if (this.options.verbose) this.stderr.write(this.stderrColor.dim(message) + '\n');
  }

  warn(message: string): void {
    this.stderr.write(`${this.stderrColor.yellow('warning:')} ${message}\n`);
  }

  error(lines: string[]): void {
    const [first = '', ...rest] = lines;
    this.stderr.write(`${this.stderrColor.red('error:')} ${first}\n`);
    for (const l of rest) this.stderr.write(l + '\n');
  }

  /** Progress for core code: a spinner per step on a TTY, plain "step ... 12 ms" lines otherwise. */
  reporter(): Reporter {
    const c = this.stderrColor;
    const tty = Boolean(this.stderr.isTTY);
    return {
      step: async (title, fn) => {
        if (this.options.quiet) return fn();
        const t0 = performance.now();
        // ora is loaded only when a spinner is shown: it costs start-up time.
        const spinner = tty ? (await import('ora')).default({ text: title, stream: this.stderr }).start() : null;
        try {
          const value = await fn();
          const ms = `${Math.round(performance.now() - t0)} ms`;
          if (spinner) spinner.succeed(`${title} ${c.dim(ms)}`);
          else this.stderr.write(`${title} ... ${ms}\n`);
          return value;
        } catch (e) {
          if (spinner) spinner.fail(title);
          else this.stderr.write(`${title} ... failed\n`);
          throw e;
        }
      },
      warn: (m) => this.warn(m),
      info: (m) => this.info(m),
    };
  }
}
