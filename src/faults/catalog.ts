/**
 * THE fault catalogue: every fault redis-drill can send, as data. The
 * failover-report's --fault, soak's --faults, the scenario steps, the help
 * texts, the timeline's headlines and the report's words all read it, so a
 * fault has one name and one meaning everywhere. A new fault is one entry
 * here, one step file in src/drill/steps/ (and its code in src/faults/):
 * see docs/architecture.md, "Adding a fault".
 */
import { UsageError } from '../errors.js';

/** A step as a built-in drill plans it (src/drill's Step, before it has a place in the list). */
export interface PlannedStep {
  step: string;
  options: Record<string, unknown>;
  /** The name of the check the step makes (a built-in drill names its checks itself). */
  label?: string;
}

/**
 * What one round of a fault needs to know: which node, what to call it,
 * what to name each check, and the drill's own settings. A round breaks the
 * node, waits for what must follow (a promotion, or the cluster's verdict on
 * a replica), restores it, and waits for it to rejoin.
 */
export interface RoundOptions {
  /** A master (index, Master[N], id prefix or HOST:PORT, or by slot or key), or a node of either role (Node[N], ...). */
  target: MasterTarget | { node: string };
  /** The name the broken node gets (later steps refer to it). */
  as: string;
  /** The check name of each part of the round (undefined: the step's own, "steps[i] ..."). */
  label: (part: RoundPart) => string | undefined;
  /** The deadline of each wait (default: the drill's). */
  deadlineMs?: number;
  /** A pause after the promotion, before the restore (failover-report's --settle). */
  settleMs?: number;
  /** How long a partition stays before the heal (default: 3 node timeouts). */
  holdFor?: { ms: number } | { nodeTimeouts: number };
  /** A one-way partition's direction, and a flaky link's packet loss (0..1). */
  direction?: 'in' | 'out';
  loss?: number;
  /** Break a master that has no replica too. */
  force?: boolean;
}

export interface MasterTarget {
  master?: string | number;
  slot?: number;
  key?: string;
}

/** The parts of a round a check can be named after. */
export type RoundPart =
  | 'fault'
  | 'promotion'
  | 'settle'
  | 'restart'
  | 'resume'
  | 'heal'
  | 'rejoin'
  | 'old master is a replica'
  | 'partition time'
  | 'cluster ok after the heal'
  | 'fix'
  | 'back'
  | 'serving again'
  | 'in sync'
  | 'keys lost';

export interface FaultEntry {
  name: string;
  /** Older spellings still accepted (hidden from the help; a deprecation line is printed when one is used). */
  aliases: readonly string[];
  /** One line for --help and the docs. */
  summary: string;
  needs: {
    /** Changes the firewall (iptables): root or CAP_NET_ADMIN. */
    root: boolean;
    /** Redis Cluster only (a Sentinel deployment has no slots to move). */
    redisCluster: boolean;
    /** A replica must take over: a master without one cannot be broken (unless forced). */
    replica: boolean;
  };
  /** `deployment`: it breaks every node at once (no one victim: the report names it by its how). */
  scope?: 'deployment';
  /** The roles of node it can break: a master (a promotion follows) or a replica (only a rejoin). */
  targets: readonly ('master' | 'replica')[];
  /** The scenario step that sends it, and the one that undoes it (null: nothing to undo). */
  step: string;
  restore: string | null;
  /** The timeline's first word for it ("Killed Master[0] ..."). */
  headline: string;
  /** What the round does, in a few words, for the drill's description. */
  describe: string;
  /** Done once per drill before its first round (e.g. keys for a migration to move). */
  setup?: readonly PlannedStep[];
  round(o: RoundOptions): PlannedStep[];
}

/** The three signals, as the catalogue and the step files name them. */
export type FaultSignal = 'kill' | 'term' | 'freeze';

const deadline = (o: RoundOptions): Record<string, number> =>
  o.deadlineMs !== undefined ? { deadline: o.deadlineMs } : {};

const labelled = (o: RoundOptions, part: RoundPart, s: Omit<PlannedStep, 'label'>): PlannedStep => {
  const label = o.label(part);
  return label === undefined ? s : { ...s, label };
};

/** The target as a step's options: { master | slot | key } or { node }. */
const targetOptions = (t: RoundOptions['target']): Record<string, unknown> =>
  Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined));

const promotion = (o: RoundOptions): PlannedStep =>
  labelled(o, 'promotion', { step: 'wait-for', options: { promotion: o.as, ...deadline(o) } });
const rejoin = (o: RoundOptions): PlannedStep =>
  labelled(o, 'rejoin', { step: 'wait-for', options: { rejoin: o.as, role: 'replica', ...deadline(o) } });
const settle = (o: RoundOptions): PlannedStep[] =>
  o.settleMs === undefined ? [] : [labelled(o, 'settle', { step: 'wait-for', options: { duration: o.settleMs } })];
const hold = (o: RoundOptions): PlannedStep =>
  labelled(o, 'partition time', { step: 'wait-for', options: { elapsed: o.holdFor ?? { nodeTimeouts: 3 } } });

/** kill, term, freeze: the signal, the promotion (or, on a replica, the cluster's verdict), the restore, the rejoin. */
function signalFault(name: FaultSignal, e: Pick<FaultEntry, 'summary' | 'headline' | 'aliases'>): FaultEntry {
  const restore = name === 'freeze' ? 'resume-node' : 'restart-node';
  return {
    name,
    ...e,
    needs: { root: false, redisCluster: false, replica: true },
    targets: ['master', 'replica'],
    step: name,
    restore,
    describe: `${name} it, wait for the promotion, ${name === 'freeze' ? 'resume' : 'restart'} it and wait for it to rejoin as a replica`,
    round: (o) => [
      labelled(o, 'fault', {
        step: name,
        options: { ...targetOptions(o.target), as: o.as, ...(o.force ? { force: true } : {}) },
      }),
      promotion(o),
      ...settle(o),
      labelled(o, name === 'freeze' ? 'resume' : 'restart', { step: restore, options: { node: o.as } }),
      rejoin(o),
    ],
  };
}

const NETWORK_SUMMARY = {
  partition: 'cut the node off the cluster network, clients still reach it (iptables; root)',
  flaky: 'a lossy link: a share of the packets between the node and the others dropped both ways (iptables; root)',
  blackhole:
    'every packet to and from the node dropped, clients too, its process running: a host gone from the network; clients hang instead of being refused (iptables; root)',
} as const;

/** partition, flaky and blackhole: the cut (or the lossy link), its time, the heal, and what must follow. */
function networkFault(name: keyof typeof NETWORK_SUMMARY): FaultEntry {
  const flaky = name === 'flaky';
  return {
    name,
    aliases: [],
    summary: NETWORK_SUMMARY[name],
    needs: { root: true, redisCluster: false, replica: !flaky },
    targets: ['master', 'replica'],
    step: name,
    restore: 'heal',
    // The partition's own words follow ("flaky link: ...", "isolate ..."): one headline for both.
    headline: 'Partition',
    describe: flaky
      ? 'drop a share of its packets for a while, heal, wait for cluster_state:ok'
      : `${name === 'blackhole' ? 'drop every packet to and from it' : 'cut it off'}, wait for the promotion, heal after a while, wait for it to rejoin as a replica`,
    round: (o) => {
      const target = 'node' in o.target ? { sides: `${o.target.node}|` } : targetOptions(o.target);
      const how = flaky
        ? { loss: o.loss ?? 0.3 }
        : name === 'partition' && o.direction !== undefined
          ? { mode: 'one-way', direction: o.direction }
          : {};
      const cut = labelled(o, 'fault', { step: name, options: { ...target, ...how, as: o.as } });
      const heal = labelled(o, 'heal', { step: 'heal', options: {} });
      // A lossy link may or may not cost a failover: the round ends when the cluster is ok again, either way.
      if (flaky)
        return [
          cut,
          hold(o),
          heal,
          labelled(o, 'cluster ok after the heal', {
            step: 'wait-for',
            options: { 'cluster-ok': true, ...deadline(o) },
          }),
        ];
      // No settle here: the partition's own time is the pause before the heal.
      return [cut, promotion(o), hold(o), heal, rejoin(o)];
    },
  };
}

/** The keys a migration drill moves (written once, counted again at the end of each round). */
const RESHARD_KEYS = { keys: 20_000, prefix: 'reshard-drill:' } as const;

/** reshard-kill-source/-target: SIGKILL to a master of a running migration, the promotion, a fix, the restart, every key counted. */
function reshardFault(side: 'source' | 'target', aliases: readonly string[] = []): FaultEntry {
  return {
    name: `reshard-kill-${side}`,
    aliases,
    summary: `SIGKILL to the ${side} of a slot migration 30% of the way in, then cluster fix (Redis Cluster)`,
    needs: { root: false, redisCluster: true, replica: true },
    targets: ['master'],
    step: `reshard-kill-${side}`,
    restore: 'restart-node',
    headline: `Killed the migration's ${side}`,
    describe: `reshard 20% of its slots to the next master, SIGKILL the ${side === 'source' ? 'source (the master giving the slots)' : 'target (the master taking them)'} 30% of the way in, wait for the promotion, fix the half-migrated slots, restart it and wait for it to rejoin, count the keys`,
    setup: [{ step: 'populate', options: { ...RESHARD_KEYS } }],
    round: (o) => {
      if ('node' in o.target || o.target.slot !== undefined || o.target.key !== undefined)
        throw new UsageError(
          `--fault reshard-kill-${side} moves slots away from a master: name it with --master (Master[i], HOST:PORT or a node id prefix), not --slot or --key`,
        );
      return [
        labelled(o, 'fault', {
          step: `reshard-kill-${side}`,
          options: { master: o.target.master ?? 'Master[0]', as: o.as },
        }),
        promotion(o),
        ...settle(o),
        // After the promotion: a fix before it would be undone by the replica's newer claim on the slots.
        labelled(o, 'fix', { step: 'fix', options: {} }),
        labelled(o, 'restart', { step: 'restart-node', options: { node: o.as } }),
        rejoin(o),
        labelled(o, 'keys lost', { step: 'assert', options: { 'max-lost-keys': 0 } }),
      ];
    },
  };
}

export const FAULTS: readonly FaultEntry[] = [
  signalFault('kill', { summary: 'SIGKILL: a crash', headline: 'Killed', aliases: [] }),
  signalFault('term', { summary: 'SIGTERM: a graceful shutdown', headline: 'Terminated', aliases: [] }),
  signalFault('freeze', {
    summary: 'SIGSTOP, then SIGCONT: a hung machine, sockets open',
    headline: 'Froze',
    aliases: ['stop'],
  }),
  {
    name: 'failover',
    aliases: [],
    summary: 'a manual failover (CLUSTER FAILOVER; SENTINEL FAILOVER)',
    needs: { root: false, redisCluster: false, replica: true },
    targets: ['master', 'replica'],
    step: 'failover',
    restore: null,
    headline: 'Manual failover away from',
    describe: 'fail it over to a replica, wait for the roles to swap, check the old master is a replica',
    round: (o) => [
      labelled(o, 'fault', { step: 'failover', options: { ...targetOptions(o.target), as: o.as } }),
      promotion(o),
      ...settle(o),
      labelled(o, 'old master is a replica', { step: 'assert', options: { roles: { [o.as]: 'replica' } } }),
    ],
  },
  networkFault('partition'),
  networkFault('flaky'),
  networkFault('blackhole'),
  reshardFault('source', ['reshard-kill']),
  reshardFault('target'),
  {
    name: 'quick-restart',
    aliases: [],
    summary:
      'SIGKILL, then started again at once, before the cluster can flag it failed (a supervisor restarting a crashed master): without persistence it comes back empty and its replicas copy that',
    needs: { root: false, redisCluster: true, replica: true },
    targets: ['master'],
    step: 'quick-restart',
    // The step restarts it itself: nothing is left to undo.
    restore: null,
    headline: 'Quick restart of',
    describe:
      'SIGKILL it and start it again at once (no failover), wait until it serves again and every replica is in sync, count the keys',
    round: (o) => {
      if ('node' in o.target)
        throw new UsageError('--fault quick-restart restarts a master: name it with --master, --slot or --key');
      return [
        labelled(o, 'fault', { step: 'quick-restart', options: { ...targetOptions(o.target), as: o.as } }),
        labelled(o, 'back', { step: 'wait-for', options: { rejoin: o.as, ...deadline(o) } }),
        labelled(o, 'in sync', { step: 'wait-for', options: { settled: true, ...deadline(o) } }),
      ];
    },
  },
  {
    name: 'power-loss',
    aliases: [],
    scope: 'deployment',
    summary:
      'SIGKILL to every node at once, then all started again from their files (a rack or a region losing power): what each --persistence keeps',
    needs: { root: false, redisCluster: true, replica: false },
    targets: ['master'],
    step: 'power-loss',
    restore: null,
    headline: 'Power loss',
    describe:
      'SIGKILL every node at once and start them all again, wait until the cluster serves again and every replica is in sync, count the keys',
    round: (o) => [
      labelled(o, 'fault', { step: 'power-loss', options: {} }),
      labelled(o, 'serving again', { step: 'wait-for', options: { 'cluster-ok': true, ...deadline(o) } }),
      labelled(o, 'in sync', { step: 'wait-for', options: { settled: true, ...deadline(o) } }),
    ],
  },
  {
    name: 'rolling-restart',
    aliases: [],
    scope: 'deployment',
    summary:
      'every node restarted in turn, replicas first, each master after a manual failover to its replica (planned maintenance): no write may be lost',
    needs: { root: false, redisCluster: true, replica: true },
    targets: ['master'],
    step: 'rolling-restart',
    restore: null,
    headline: 'Rolling restart',
    describe:
      'restart every replica, then fail each master over to its replica and restart it, each waited back in sync; count the keys',
    round: (o) => [
      labelled(o, 'fault', { step: 'rolling-restart', options: {} }),
      labelled(o, 'in sync', { step: 'wait-for', options: { settled: true, ...deadline(o) } }),
    ],
  },
  {
    name: 'kill-during-sync',
    aliases: [],
    summary:
      "SIGKILL to a master while its replica's first full sync is still held back: Redis refuses to promote a replica that never had the data, so the shard waits for its master",
    needs: { root: false, redisCluster: true, replica: true },
    targets: ['master'],
    step: 'kill-during-sync',
    restore: 'restart-node',
    headline: 'Killed during the sync of',
    describe:
      'make its replica start over (data removed, a full sync requested and held back 5 s), SIGKILL the master meanwhile, watch for a promotion, restart the master and wait until the cluster serves again and its replica is in sync; count the keys',
    setup: [{ step: 'populate', options: { keys: 20_000, prefix: 'sync-drill:' } }],
    round: (o) => {
      if ('node' in o.target)
        throw new UsageError('--fault kill-during-sync breaks a master: name it with --master, --slot or --key');
      return [
        labelled(o, 'fault', { step: 'kill-during-sync', options: { ...targetOptions(o.target), as: o.as } }),
        labelled(o, 'restart', { step: 'restart-node', options: { node: o.as } }),
        labelled(o, 'serving again', { step: 'wait-for', options: { 'cluster-ok': true, ...deadline(o) } }),
        labelled(o, 'in sync', { step: 'wait-for', options: { settled: true, ...deadline(o) } }),
        // The populated keys, each read back: a replica promoted with nothing takes them all.
        labelled(o, 'keys lost', { step: 'assert', options: { 'max-lost-keys': 0 } }),
      ];
    },
  },
];

export const FAULT_NAMES: readonly string[] = FAULTS.map((f) => f.name);

/** A fault by its name or an older spelling; `deprecated` says which spelling was used, for the one-line notice. */
export function findFault(name: string): { entry: FaultEntry; deprecated: string | null } | null {
  const entry = FAULTS.find((f) => f.name === name);
  if (entry) return { entry, deprecated: null };
  const aliased = FAULTS.find((f) => f.aliases.includes(name));
  return aliased ? { entry: aliased, deprecated: name } : null;
}

export function faultEntry(name: string): FaultEntry {
  const f = findFault(name);
  if (!f) throw new Error(`unknown fault "${name}"`);
  return f.entry;
}

/** The faults a deployment of this kind can take ("redisCluster" ones only on Redis Cluster). */
export function faultsFor(kind: 'cluster' | 'sentinel'): readonly FaultEntry[] {
  return FAULTS.filter((f) => kind === 'cluster' || !f.needs.redisCluster);
}

/** "kill (SIGKILL: a crash), term (...), ...": the --fault and --faults help, from the catalogue. */
export function faultsHelp(kind: 'cluster' | 'sentinel' = 'cluster'): string {
  return faultsFor(kind)
    .map((f) => `${f.name} (${f.summary})`)
    .join(', ');
}

/** The restores, as the timeline names them. */
export const RESTORE_HEADLINES = { restart: 'Restarted', resume: 'Resumed', heal: 'Heal' } as const;
export type RestoreName = keyof typeof RESTORE_HEADLINES;
