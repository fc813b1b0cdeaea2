import { UsageError } from '../errors.js';
import { faultFor } from '../drill/failover-report.js';
import { ADAPTERS, type Adapter, type MatrixClient, adapterStatus, fromAdapter } from './adapters.js';

/** --faults: catalogue faults (or their older spellings), each once, refused (exit 2) when unknown or not for this deployment. */
export function parseFaultList(text: string, kind: 'cluster' | 'sentinel'): string[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!names.length) throw new UsageError('--faults is empty', { hint: 'e.g. --faults kill,freeze' });
  return [...new Set(names.map((n) => faultFor(n, kind, '--faults').name))];
}

/** --client NAME=CMD. */
export function parseOwnClient(text: string): { name: string; cmd: string } {
  const m = /^([A-Za-z0-9][\w.-]*)=(.*\S.*)$/s.exec(text);
  if (!m)
    throw new UsageError(`--client "${text}": expected NAME=CMD`, {
      hint: 'e.g. --client ruby-naive="ruby naive.rb" (NAME: letters, digits, . _ -)',
    });
  return { name: m[1]!, cmd: m[2]!.trim() };
}

/** --libraries: by library (both its rows) or by row name; unknown names refused. */
export function selectAdapters(text: string | undefined): Adapter[] {
  if (text === undefined) return [...ADAPTERS];
  const picked = new Set<Adapter>();
  for (const word of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const matches = ADAPTERS.filter((a) => a.library === word || a.name === word);
    if (!matches.length)
      throw new UsageError(`--libraries: unknown library "${word}"`, {
        hint: `the shipped ones are: ${[...new Set(ADAPTERS.map((a) => a.library))].join(', ')} (each also as NAME-failover); see redis-drill clients --list`,
      });
    for (const a of matches) picked.add(a);
  }
  if (!picked.size) throw new UsageError('--libraries is empty', { hint: 'e.g. --libraries ioredis,redis-py' });
  return ADAPTERS.filter((a) => picked.has(a));
}

/**
 * The clients of the matrix: the chosen adapters this machine can run (the
 * others are skipped with a one-line reason, not a failure), then the
 * user's own. No client at all is bad input.
 */
export async function chooseClients(
  libraries: string | undefined,
  own: readonly string[],
  kind: 'cluster' | 'sentinel',
  warn: (m: string) => void,
): Promise<{ clients: MatrixClient[]; skipped: { name: string; reason: string }[] }> {
  const adapters = selectAdapters(libraries);
  const ownClients = own.map(parseOwnClient);
  const statuses = await Promise.all(adapters.map(adapterStatus));
  const skipped: { name: string; reason: string }[] = [];
  const clients: MatrixClient[] = [];
  for (const s of statuses) {
    const reason = !s.installed
      ? s.reason!
      : kind === 'sentinel' && !s.adapter.sentinel
        ? `${s.adapter.library} has no Sentinel mode`
        : null;
    if (reason) {
      skipped.push({ name: s.adapter.name, reason });
      warn(`skipping ${s.adapter.name}: ${reason}`);
    } else clients.push(fromAdapter(s));
  }
  for (const c of ownClients) {
    if (clients.some((x) => x.name === c.name))
      throw new UsageError(`--client ${c.name}: that name is taken`, {
        hint: 'give your client a name of its own (NAME=CMD)',
      });
    clients.push({ ...c, library: null, language: null, config: null, version: null, shipped: false });
  }
  if (!clients.length)
    throw new UsageError('no client to run: none of the chosen adapters is installed here', {
      hint: 'see redis-drill clients --list for what each needs, or give your own with --client NAME=CMD',
    });
  return { clients, skipped };
}
