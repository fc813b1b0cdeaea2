/** Quotes one word for a POSIX shell: the remote side of `ssh` always runs a shell. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command line for a POSIX shell, each word quoted. */
export function shellCommand(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}

/**
 * Whether `ss -Hltn` output shows a listener that keeps `address:port` from
 * being bound: one on that address, or on a wildcard address.
 */
export function listenerBlocks(ssOutput: string, address: string, port: number): boolean {
  const wildcard = new Set(['0.0.0.0', '*', '[::]', '::']);
  return ssOutput
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[3] ?? '')
    .some((local) => {
      const cut = local.lastIndexOf(':');
      if (cut < 0 || Number(local.slice(cut + 1)) !== port) return false;
      const host = local.slice(0, cut).replace(/%.*$/, '');
      return host === address || host === `[${address}]` || wildcard.has(host);
    });
}
