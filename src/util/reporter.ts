/**
 * How core code tells the user what it is doing without printing: the CLI
 * passes a reporter that drives a spinner (TTY) or plain lines on stderr.
 */
export interface Reporter {
  /** Runs one named step; the reporter shows it and how long it took. */
  step<T>(title: string, fn: () => Promise<T>): Promise<T>;
  warn(message: string): void;
  info(message: string): void;
}

export const silentReporter: Reporter = {
  step: (_title, fn) => fn(),
  warn: () => {},
  info: () => {},
};
