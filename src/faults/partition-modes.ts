// Apart from partition-plan.ts, which needs node:crypto (for chain names): the CLI's option
// parsing and the state file's schema need only the names, and load nothing more at start.

/**
 * isolate: both ways, between the two sides; one-way: one direction (see
 * `direction`); flaky: both ways, each packet with probability `loss`;
 * blackhole: every packet to or from side A's nodes on the deployment's
 * ports, whoever sent it (clients too): a host gone from the network.
 */
export const PARTITION_MODES = ['isolate', 'one-way', 'flaky', 'blackhole'] as const;
export type PartitionMode = (typeof PARTITION_MODES)[number];
