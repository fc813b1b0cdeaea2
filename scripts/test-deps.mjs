#!/usr/bin/env node
// Runs before `npm test`: the suite starts real redis-server processes, its
// own sshd (remote-node tests), headless Chromium (HTML report check) and
// iptables (network partitions).
import { CLIENT_LIBRARIES, REDIS, ensurePackages, has } from './system-deps.mjs';

ensurePackages(
  [
    REDIS,
    { what: 'redis-cli', present: () => has('redis-cli'), packages: ['redis-tools'] },
    {
      what: 'sshd',
      present: () => has('/usr/sbin/sshd') && has('ssh'),
      packages: ['openssh-server', 'openssh-client'],
    },
    { what: 'chromium', present: () => has('chromium'), packages: ['chromium'] },
    // Network-fault tests cut node-to-node traffic with redis-drill's own iptables chain.
    { what: 'iptables', present: () => has('iptables') && has('iptables-restore'), packages: ['iptables'] },
    // The multi-host lab (scripts/netns-lab.sh): network namespaces, a bridge, veth pairs.
    { what: 'ip (iproute2)', present: () => has('ip'), packages: ['iproute2'] },
    // redis-drill clients: the Python, Ruby and PHP client libraries it compares.
    ...CLIENT_LIBRARIES,
  ],
  'npm test',
);
