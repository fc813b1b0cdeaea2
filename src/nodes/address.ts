/** Node addresses as Redis and users write them: "host:port". Kept free of heavy imports for CLI start-up. */
export interface Address {
  host: string;
  port: number;
}


export function formatAddress(a: Address): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** Parses "host:port" (or "[v6]:port"); null when it is not one. */
export function parseAddress(text: string): Address | null {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { host: (m[1] ?? m[2])!, port };
}

