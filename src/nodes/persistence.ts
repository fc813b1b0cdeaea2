import type { ConfigEntry } from './config.js';

/**
 * What a node keeps across a restart, as `--persistence` names it:
 * - none: no append-only file, no snapshots (and replication's RDB files
 *   removed), so a restarted node comes back empty;
 * - rdb: snapshots only, on Redis's own default schedule (RDB_SAVE);
 * - aof: append-only file, fsync every second (redis-drill's default);
 * - aof-always: append-only file, fsync after every write.
 */
export const PERSISTENCE_MODES = ['none', 'rdb', 'aof', 'aof-always'] as const;
export type Persistence = (typeof PERSISTENCE_MODES)[number];

/** Redis's default `save` schedule: after 1 h if 1 key changed, 5 min if 100, 1 min if 10,000. */
export const RDB_SAVE = '3600 1 300 100 60 10000';

/** The redis.conf lines of a mode, put before the user's --config lines (which win). Pure. */
export function persistenceConfig(mode: Persistence): ConfigEntry[] {
  const e = (key: string, value: string): ConfigEntry => ({ key, value });
  switch (mode) {
    case 'none':
      return [e('appendonly', 'no'), e('save', ''), e('rdb-del-sync-files', 'yes')];
    case 'rdb':
      return [e('appendonly', 'no'), e('save', RDB_SAVE)];
    case 'aof':
      return [e('appendonly', 'yes'), e('appendfsync', 'everysec')];
    case 'aof-always':
      return [e('appendonly', 'yes'), e('appendfsync', 'always')];
  }
}

/**
 * The mode the nodes really run with, from the lines redis-drill writes
 * (appendonly yes, Redis's defaults otherwise) and then `extra` in order
 * (the last line of a key wins, as in redis.conf); `custom` when no mode
 * says it (e.g. appendfsync no). Pure.
 */
export function persistenceOf(extra: readonly ConfigEntry[]): Persistence | 'custom' {
  const last = (key: string, dflt: string): string =>
    extra
      .filter((c) => c.key.toLowerCase() === key)
      .at(-1)
      ?.value.toLowerCase() ?? dflt;
  const aof = last('appendonly', 'yes');
  const fsync = last('appendfsync', 'everysec');
  const save = last('save', RDB_SAVE).trim();
  if (aof === 'yes') return fsync === 'always' ? 'aof-always' : fsync === 'everysec' ? 'aof' : 'custom';
  return save === '' ? 'none' : 'rdb';
}
