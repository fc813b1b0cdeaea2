import { z } from 'zod';
import { type Address, parseAddress } from '../nodes/address.js';
import { parseDuration, parseMix } from '../workload/options.js';

/**
 * The scenario file format, as zod schemas. Every leaf says what it expects
 * ("expected a whole number from 0 to 16383"): load.ts adds where (file,
 * line, path) and what it found. Short forms (`- kill-master`, `wait-for:
 * promotion`, `restart-node: victim`) are expanded by preprocessors, so the
 * runner only sees the long form.
 */

export const STEP_NAMES = ['kill-master', 'stop-master', 'freeze-master', 'restart-node', 'resume-node', 'failover', 'wait-for', 'populate', 'assert'] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** Steps that break a master; `as` names it (default `victim`). */
export const FAULT_STEPS = ['kill-master', 'stop-master', 'freeze-master'] as const;
export type FaultStepName = (typeof FAULT_STEPS)[number];

const expected = (what: string) => ({ error: `expected ${what}` });

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => {
  const e = expected(max === Number.MAX_SAFE_INTEGER ? `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`);
  return z.number(e).int(e).min(min, e).max(max, e);
};
const bool = z.boolean(expected('true or false'));
const text = z.string(expected('a string')).min(1, expected('a non-empty string'));

const DURATION_RE = /^\d+(?:\.\d+)?(?:ms|s|m|h)$/;
const durationText = 'a duration such as 500ms, 2s or 1m';
/** A duration always carries its unit in a file: "5" could mean seconds or milliseconds. */
export const duration = z.string(expected(durationText)).regex(DURATION_RE, expected(durationText)).transform((v) => parseDuration(v));

/** Names that steps give nodes (`as: victim`): a letter first, so they never look like an index, an address or Master[N]. */
export const NAME_RE = /^[A-Za-z][A-Za-z0-9_-]*$/;
const nameText = 'a node name: a letter, then letters, digits, - or _';
const name = z.string(expected(nameText)).regex(NAME_RE, expected(nameText));

/** A node: a name an earlier step gave it, Master[N] / N, a node-id prefix or host:port. Checked against the names in load.ts. */
const refText = 'a node: a name an earlier step gave (e.g. victim), Master[N], a node-id prefix or HOST:PORT';
const ref = z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string(expected(refText)).min(1, expected(refText)));

/** Scalar short forms: `kill-master: 1` is `kill-master: { master: 1 }`, `- kill-master` (null) takes every default. */
const shortForm = <T extends z.ZodType>(key: string, schema: T) =>
  z.preprocess((v) => (v === null || v === undefined ? {} : typeof v === 'string' || typeof v === 'number' ? { [key]: v } : v), schema);

/** `force: false` is as good as leaving it out. */
const atMostOne = (keys: string[]) => (o: Record<string, unknown>) => keys.filter((k) => o[k] !== undefined && o[k] !== false).length <= 1;

export const targetSchema = shortForm(
  'master',
  z
    .strictObject(
      {
        master: ref.optional(),
        slot: int(0, 16383).optional(),
        key: text.optional(),
        as: name.optional(),
        force: bool.optional(),
      },
      expected('a mapping of options (master, slot, key, as, force) or a master'),
    )
    .refine(atMostOne(['master', 'slot', 'key']), { error: 'expected at most one of master, slot and key' }),
);

export const nodeStepSchema = shortForm('node', z.strictObject({ node: ref }, expected('a node, or a mapping { node: NODE }')));

export const failoverSchema = shortForm(
  'master',
  z
    .strictObject(
      {
        master: ref.optional(),
        replica: ref.optional(),
        force: bool.optional(),
        takeover: bool.optional(),
        as: name.optional(),
      },
      expected('a mapping of options (master, replica, force, takeover, as) or a master'),
    )
    .refine(atMostOne(['master', 'replica']), { error: 'expected at most one of master and replica' })
    .refine(atMostOne(['force', 'takeover']), { error: 'expected at most one of force and takeover' }),
);

const WAITS = ['promotion', 'rejoin', 'cluster-ok', 'duration'] as const;
const waitText = 'promotion, rejoin, cluster-ok, a duration such as 2s, or a mapping such as { promotion: victim, as: promoted }';
/** `promotion: true` (or the bare word) means: of the master the latest fault step broke. */
const refOrLatest = z.preprocess((v) => (v === true || v === null ? null : v), ref.nullable());

export const waitForSchema = z.preprocess(
  (v) => {
    if (v === 'promotion' || v === 'rejoin') return { [v]: null };
    if (v === 'cluster-ok') return { 'cluster-ok': true };
    if (typeof v === 'string' && DURATION_RE.test(v)) return { duration: v };
    return v;
  },
  z
    .strictObject(
      {
        promotion: refOrLatest.optional(),
        rejoin: refOrLatest.optional(),
        'cluster-ok': z.literal(true, expected('true')).optional(),
        duration: duration.optional(),
        as: name.optional(),
        deadline: duration.optional(),
      },
      expected(waitText),
    )
    .refine((o) => WAITS.filter((k) => o[k] !== undefined).length === 1, { error: `expected exactly one of ${WAITS.join(', ')}` })
    .refine((o) => o.as === undefined || o.promotion !== undefined, { error: 'expected as only with promotion (it names the promoted replica)' }),
);

export const populateSchema = shortForm(
  'keys',
  z.strictObject(
    {
      keys: int(1, 100_000_000),
      prefix: text.optional(),
      'value-size': int(0, 512 * 1024 * 1024).optional(),
    },
    expected('a number of keys, or a mapping { keys: N, prefix: key, value-size: 16 }'),
  ),
);

export const ASSERTIONS = ['max-unavailable-ms', 'max-lost-writes', 'max-errors', 'max-promotion-ms', 'roles', 'cluster-ok'] as const;
export const assertSchema = z
  .strictObject(
    {
      'max-unavailable-ms': int(0).optional(),
      'max-lost-writes': int(0).optional(),
      'max-errors': int(0).optional(),
      'max-promotion-ms': int(0).optional(),
      roles: z.record(z.string(), z.enum(['master', 'replica'], expected('master or replica')), expected('a mapping of nodes to master or replica, e.g. { victim: replica }')).optional(),
      'cluster-ok': z.literal(true, expected('true')).optional(),
    },
    expected(`a mapping of assertions (${ASSERTIONS.join(', ')})`),
  )
  .refine((o) => ASSERTIONS.some((k) => o[k] !== undefined), { error: `expected at least one of ${ASSERTIONS.join(', ')}` });

export const STEP_SCHEMAS = {
  'kill-master': targetSchema,
  'stop-master': targetSchema,
  'freeze-master': targetSchema,
  'restart-node': nodeStepSchema,
  'resume-node': nodeStepSchema,
  failover: failoverSchema,
  'wait-for': waitForSchema,
  populate: populateSchema,
  assert: assertSchema,
} as const satisfies Record<StepName, z.ZodType>;

export type TargetOptions = z.output<typeof targetSchema>;
export type NodeStepOptions = z.output<typeof nodeStepSchema>;
export type FailoverStepOptions = z.output<typeof failoverSchema>;
export type WaitForOptions = z.output<typeof waitForSchema>;
export type PopulateStepOptions = z.output<typeof populateSchema>;
export type AssertOptions = z.output<typeof assertSchema>;

interface StepBase {
  /** Its index in `steps` (as in steps[2]), and its line in the file. */
  index: number;
  line: number | null;
}
export type Step = StepBase &
  (
    | { step: FaultStepName; options: TargetOptions }
    | { step: 'restart-node' | 'resume-node'; options: NodeStepOptions }
    | { step: 'failover'; options: FailoverStepOptions }
    | { step: 'wait-for'; options: WaitForOptions }
    | { step: 'populate'; options: PopulateStepOptions }
    | { step: 'assert'; options: AssertOptions }
  );

const addressText = 'HOST:PORT, e.g. 127.0.0.1:7000';
const address = z
  .string(expected(addressText))
  .refine((v) => parseAddress(v) !== null, expected(addressText))
  .transform((v) => parseAddress(v) as Address);

const configValue = z.union([z.string(), z.number(), z.boolean()], expected('a string, number or true/false'));

export const createSchema = z.preprocess(
  (v) => (v === null || v === true ? {} : v),
  z.strictObject(
    {
      masters: int(3, 1000).optional(),
      replicas: int(0, 100).optional(),
      port: int(1, 65535).optional(),
      bind: text.optional(),
      'node-timeout': int(100).optional(),
      'redis-server': text.optional(),
      config: z.record(z.string(), configValue, expected('a mapping of redis.conf keys to values')).optional(),
      /** SSH hosts, as `cluster create --inventory` (a path relative to the scenario file). */
      inventory: text.optional(),
      password: z.enum(['auto', 'none'], expected('auto or none')).optional(),
    },
    expected('a mapping of cluster create options (masters, replicas, port, bind, node-timeout, redis-server, config, inventory, password), or true'),
  ),
);

const clusterName = z.string(expected('a cluster name')).regex(/^[A-Za-z0-9_.-]+$/, expected('a cluster name (letters, digits, ".", "-", "_")'));

export const clusterSchema = z
  .strictObject(
    {
      create: createSchema.optional(),
      name: clusterName.optional(),
      seed: address.optional(),
    },
    expected('a mapping with create, name or seed'),
  )
  .refine((o) => !(o.seed && (o.create || o.name)), { error: 'expected seed alone (an attached cluster is neither created nor named)' });

const mixText = 'OP=WEIGHT pairs with incr (the consistency counters), e.g. set=40,get=40,incr=20';
const mix = z.string(expected(mixText)).refine((v) => {
  try {
    return parseMix(v).some((m) => m.op === 'incr');
  } catch {
    return false;
  }
}, expected(mixText));

export const workloadSchema = z.strictObject(
  {
    clients: int(1, 10_000).optional(),
    mix: mix.optional(),
    keyspace: int(1).optional(),
    'value-size': int(0, 1 << 20).optional(),
    rate: int(1).optional(),
    warmup: duration.optional(),
  },
  expected('a mapping of workload options (clients, mix, keyspace, value-size, rate, warmup)'),
);

/** The file without its steps: those are checked one by one (load.ts), so an unknown step name can list the known ones. */
export const scenarioSchema = z.strictObject(
  {
    name: text.optional(),
    description: text.optional(),
    cluster: clusterSchema.optional(),
    workload: workloadSchema.optional(),
    steps: z.array(z.unknown(), expected('a list of steps')).min(1, expected('at least one step')),
  },
  expected('a mapping with name, description, cluster, workload and steps'),
);

export type ClusterSection = z.output<typeof clusterSchema>;
export type CreateSection = z.output<typeof createSchema>;

export interface WorkloadSection {
  clients: number;
  mix: string;
  keyspace: number;
  valueSize: number;
  rate: number | undefined;
  warmupMs: number;
}

export const WORKLOAD_DEFAULTS = { clients: 20, mix: 'set=40,get=40,incr=20', keyspace: 100_000, valueSize: 16, warmupMs: 1000 } as const;

export interface Scenario {
  name: string;
  description: string | null;
  cluster: ClusterSection;
  workload: WorkloadSection;
  steps: Step[];
}
