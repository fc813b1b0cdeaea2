export declare const SSH_HOSTS: readonly ['127.0.0.2', '127.0.0.3', '127.0.0.4'];

export interface TestSshd {
  port: number;
  dir: string;
  /** Private key the sshd accepts. */
  identity: string;
  /** A key it refuses. */
  wrongIdentity: string;
  knownHosts: string;
  /** What the remote shell sessions left in their TMPDIR (each removes its own directory when it ends). */
  leftInTmp(): string[];
  /** Live processes the sshd runs for its clients (sessions, shells, their commands): none once every client is gone. */
  remoteProcesses(): string[];
  /** The flags that put a new deployment's nodes on `hosts` (root@ each), under `remoteDir`, from `port` on. */
  placeFlags(remoteDir: string, port: number, hosts?: readonly string[]): string[];
  /** `--ssh-*` flags for `cluster create --hosts`. */
  flags(): string[];
  stop(): Promise<void>;
}

export declare function startSshd(
  dir: string,
  options?: { addresses?: readonly string[]; band?: number; loginShell?: string | null },
): Promise<TestSshd>;
