/** How TLS starts on the control connection. */
export enum FtpsTls {
  /** Explicit FTPS (RFC 4217): plain TCP on the control port, then `AUTH TLS`. Default port 21. */
  EXPLICIT = 'explicit',
  /** Implicit FTPS: TLS from the first byte. Not in RFC 4217 but still common. Default port 990. */
  IMPLICIT = 'implicit',
}

/** An inclusive range of TCP ports. */
export interface PortRange {
  readonly from: number;
  readonly to: number;
}

/** What an FTPS endpoint is: the only input from which every rule and configuration is derived. */
export interface FtpsOptions {
  /**
   * How TLS starts on the control connection.
   * @default FtpsTls.EXPLICIT
   */
  readonly tls?: FtpsTls;
  /**
   * The control port the server listens on.
   * @default 21 for explicit TLS, 990 for implicit TLS
   */
  readonly controlPort?: number;
  /**
   * The passive data port range configured on the server (vsftpd `pasv_min_port`/`pasv_max_port`,
   * ProFTPD `PassivePorts`, Pure-FTPd `-p`). One port serves one transfer being opened at a time.
   */
  readonly passivePorts: PortRange;
  /**
   * Allow active mode (PORT/EPRT): the server opens the data connection from control port - 1 to the client.
   * Breaks through client-side NAT; prefer passive mode.
   * @default false
   */
  readonly activeMode?: boolean;
  /**
   * The clients' ephemeral (source) port range: where replies go in stateless firewalls, and where
   * active-mode data connections land.
   * @default 1024-65535 (covers Linux, Windows, NAT gateways and load balancers)
   */
  readonly clientPorts?: PortRange;
  /**
   * How many clients must be able to transfer at the same moment. Opens nothing by itself: the library checks that
   * the passive range carries that many sessions with every daemon (the rendered configurations cap sessions by
   * the range, so excess clients are refused at login and must retry, never lose a transfer) and warns with the
   * smallest range that does. Stating it also replaces the generic small-range warning.
   * @default not stated: a range under 10 ports gets a warning saying what it carries
   */
  readonly concurrentClients?: number;
}

/** Options with every default applied. */
export interface ResolvedFtpsOptions {
  readonly tls: FtpsTls;
  readonly controlPort: number;
  readonly passivePorts: PortRange;
  readonly activeMode: boolean;
  /** Control port - 1 (RFC 959 L-1): the server's source port for active-mode data. */
  readonly activeDataPort: number;
  readonly clientPorts: PortRange;
  /** As given; undefined when not stated. */
  readonly concurrentClients?: number;
}

export const DEFAULT_EXPLICIT_CONTROL_PORT = 21;
export const DEFAULT_IMPLICIT_CONTROL_PORT = 990;
export const DEFAULT_CLIENT_PORTS: PortRange = { from: 1024, to: 65535 };
/** Below this many passive ports, concurrency is limited enough to warn (unless `concurrentClients` is stated). */
export const SMALL_PASSIVE_RANGE = 10;

/** The most `concurrentClients` accepted: the most sessions a whole 64512-port range carries with ProFTPD. */
export const MAX_CONCURRENT_CLIENTS = 64512;

/** Number of ports in an inclusive range. */
export function portCount(range: PortRange): number {
  return range.to - range.from + 1;
}

/** `21`, or `50000-50004`: the form used in rule descriptions, worksheets and ids. */
export function formatPorts(range: PortRange): string {
  return range.from === range.to ? `${range.from}` : `${range.from}-${range.to}`;
}

/** Parses `21` or `50000-50004`; returns undefined when the text is not of that form. */
export function parsePortRange(text: string): PortRange | undefined {
  const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(text);
  if (!m) return undefined;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  return { from, to };
}

export function rangeContains(range: PortRange, port: number): boolean {
  return port >= range.from && port <= range.to;
}
