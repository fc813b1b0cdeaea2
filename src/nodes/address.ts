import { isIP } from 'node:net';

/** Node addresses as Redis and users write them: "host:port". Kept free of heavy imports for CLI start-up. */
export interface Address {
  host: string;
  port: number;
}

export const sameAddress = (a: Address, b: Address): boolean => a.host === b.host && a.port === b.port;

export function formatAddress(a: Address): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** Parses "host:port" (or "[v6]:port"); null when it is not one (also for a malformed IP such as 999.1.1.1). */
export function parseAddress(text: string): Address | null {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  const host = (m[1] ?? m[2])!;
  if (!plausibleHost(host)) return null;
  return { host, port };
}

/** An IP address, or a name that could be a host; not "999.1.1.1" (digits and dots that are no IPv4 address). */
export function plausibleHost(host: string): boolean {
  if (isIP(host) !== 0) return true;
  if (/^[\d.]+$/.test(host) || host.includes(':')) return false;
  return /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host);
}

export const isIpAddress = (text: string): boolean => isIP(text) !== 0;
