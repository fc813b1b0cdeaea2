#!/usr/bin/env node
// Runs before `npm test`: the suite starts real redis-server processes, its
// own sshd (remote-node tests) and headless Chromium (HTML report check).
import { REDIS, ensurePackages, has } from './system-deps.mjs';

ensurePackages(
  [
    REDIS,
    { what: 'redis-cli', present: () => has('redis-cli'), packages: ['redis-tools'] },
    { what: 'sshd', present: () => has('/usr/sbin/sshd') && has('ssh'), packages: ['openssh-server', 'openssh-client'] },
    { what: 'chromium', present: () => has('chromium'), packages: ['chromium'] },
  ],
  'npm test',
);
