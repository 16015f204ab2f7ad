// What a passive range carries, per daemon: how each daemon picks a passive port, what happens when the range
// is exhausted, the session cap that keeps every transfer inside the range and alive, and a queueing model of the
// loss without the cap. Measured in BENCHMARKS.md ("What a passive range carries") by `npm run bench:load`, and
// asserted by the end-to-end load test (test/e2e/load.e2e.test.ts).
import { Diagnose, FtpsValidationError } from './diagnostics';
import { describeValue } from './private/checks';
import type { FtpDaemon } from './vsftpd-boot';

/**
 * vsftpd binds a passive port by drawing a random port in the range, up to 9 times (`bind_retries = 10` with
 * `while (--bind_retries)`); when all 9 draws hit held ports it writes `500 OOPS: vsf_sysutil_bind` in clear
 * text onto the TLS control connection and ends the session.
 */
export const VSFTPD_BIND_TRIES = 9;

/**
 * The worst-case chance a vsftpd transfer may fail at the session cap: with K sessions, at most K - 1 other ports
 * are held, and all 9 draws hit them with probability ((K - 1) / ports)^9. One in 100,000: a bound of 1 in 1,000
 * (cap 3 on 5 ports) was measured to kill a session once in ~3,100 transfers when every session holds its port
 * most of the time (BENCHMARKS.md), which is not "never killed".
 */
export const VSFTPD_LOSS_BOUND = 1e-5;

/**
 * How long a client holds a passive port by default in the figures (seconds): from the EPSV/PASV reply until the
 * server accepts the data connection after RETR. curl 7.88 starts the data connection's TLS handshake first and
 * waits on a timer: 0.2 s idle (measured here), more under load; lftp and python's ftplib hold it about a
 * millisecond.
 */
export const DEFAULT_HOLD_SECONDS = 0.2;

/** The daemons as their names are written, in the order the library names them. */
export const DAEMON_NAMES: Readonly<Record<FtpDaemon, string>> = {
  vsftpd: 'vsftpd',
  proftpd: 'ProFTPD',
  'pure-ftpd': 'Pure-FTPd',
};

/** What a passive range carries with one daemon. */
export interface PassiveCapacity {
  readonly daemon: FtpDaemon;
  readonly ports: number;
  /**
   * Sessions at once the rendered configuration admits (vsftpd `max_clients`, ProFTPD `MaxClients`, Pure-FTPd
   * `-c`); more are refused at connect or login with a reply, and a client that retries gets in later. Undefined
   * when the daemon cannot be capped (Pure-FTPd on a 1-port range).
   */
  readonly sessionCap: number | undefined;
  /** The configuration line that sets the cap, as rendered. */
  readonly capSetting: string | undefined;
  /** What a client beyond the cap is told. */
  readonly refusal: string;
  /**
   * The worst-case chance that a transfer fails with the cap in place (vsftpd: the 9-draw bind failure with every
   * other session holding a port; ProFTPD and Pure-FTPd: 0, ports never run out).
   */
  readonly lossAtCap: number;
  /**
   * Without a cap: the number of sessions at once from which transfers fail (vsftpd: where the 9-draw failure
   * passes {@link VSFTPD_LOSS_BOUND}; ProFTPD: one more session than ports). Undefined when the daemon's own
   * cap always applies (Pure-FTPd).
   */
  readonly uncappedLossFrom: number | undefined;
  /** How an uncapped transfer fails when the range is exhausted. */
  readonly exhaustion: string;
  /** The most transfer starts per second the range sustains at the cap, for {@link holdSeconds}. */
  readonly startsPerSecond: number;
  readonly holdSeconds: number;
}

/**
 * The session cap that keeps every transfer of a daemon inside a range of `ports` passive ports and alive:
 * vsftpd the largest K with ((K - 1) / ports)^9 <= 1e-5 (about 0.28 x ports + 1: 2 for 5 ports); ProFTPD one session
 * per port (it tries every port in the range before it falls back to one outside it); Pure-FTPd its own fixed
 * cap, half the range (it lowers any higher `-c` to that, and a 1-port range leaves it uncapped).
 */
export function sessionCap(daemon: FtpDaemon, ports: number): number | undefined {
  checkDaemon(daemon);
  checkPorts(ports);
  switch (daemon) {
    case 'vsftpd': {
      let k = 1;
      while (k < ports && Math.pow(k / ports, VSFTPD_BIND_TRIES) <= VSFTPD_LOSS_BOUND) k++;
      return k;
    }
    case 'proftpd':
      return ports;
    case 'pure-ftpd':
      return ports >= 2 ? Math.floor(ports / 2) : undefined;
  }
}

/** The capacity of a range of `ports` passive ports with a daemon, for clients holding a port `holdSeconds`. */
export function passiveCapacity(
  daemon: FtpDaemon,
  ports: number,
  holdSeconds: number = DEFAULT_HOLD_SECONDS,
): PassiveCapacity {
  const cap = sessionCap(daemon, ports);
  if (!(holdSeconds > 0) || !Number.isFinite(holdSeconds))
    refuse(
      `holdSeconds (${describeValue(holdSeconds)}) must be a positive number of seconds.`,
      'give how long a client holds a passive port, e.g. 0.2 (curl).',
    );
  const held = Math.min(cap ?? ports, ports);
  const base = { daemon, ports, sessionCap: cap, holdSeconds, startsPerSecond: held / holdSeconds };
  switch (daemon) {
    case 'vsftpd':
      return {
        ...base,
        capSetting: `max_clients=${cap}`,
        refusal: '421 There are too many connected users, please try later.',
        lossAtCap: Math.pow((cap! - 1) / ports, VSFTPD_BIND_TRIES),
        uncappedLossFrom: cap! + 1,
        exhaustion:
          'vsftpd draws 9 random ports; when all 9 are held it writes "500 OOPS: vsf_sysutil_bind" in clear text onto the TLS control connection and ends the session (clients report a TLS error: "wrong version number", or "bad record type" with OpenSSL 3.2 and later)',
      };
    case 'proftpd':
      return {
        ...base,
        capSetting: `MaxClients ${cap}`,
        refusal: `530 Sorry, the maximum number of allowed clients (${cap}) are already connected.`,
        lossAtCap: 0,
        uncappedLossFrom: ports + 1,
        exhaustion:
          'ProFTPD tries every port in the range, then offers a port outside it ("unable to find open port in PassivePorts range"), which the firewall drops: the client hangs until its timeout. ProFTPD keeps the passive socket listening until the transfer ends, so a port is held for the transfer too',
      };
    case 'pure-ftpd':
      return {
        ...base,
        capSetting: cap === undefined ? undefined : `-c ${cap}`,
        refusal: `421 ${cap ?? 'N'} users (the maximum) are already logged in, sorry`,
        lossAtCap: cap === undefined ? 1 : 0,
        uncappedLossFrom: cap === undefined ? 2 : undefined,
        exhaustion:
          cap === undefined
            ? 'Pure-FTPd cannot cap sessions on a 1-port range (its cap is half the range, 0 meaning none): a second transfer at once gets "425 ports busy"'
            : 'Pure-FTPd caps sessions at half the range itself, whatever -c says, so the range is never exhausted',
      };
  }
}

/** The most passive ports a range can have: 1024-65535. */
export const MAX_PASSIVE_PORTS = 64512;

/**
 * The most sessions a daemon carries at once on a range with no transfer lost: its cap, or 1 where it cannot be
 * capped (Pure-FTPd on one port: a second transfer at once gets "425 ports busy").
 */
export function sessionsCarried(daemon: FtpDaemon, ports: number): number {
  return sessionCap(daemon, ports) ?? 1;
}

/**
 * The smallest range (in ports) on which a daemon carries `clients` sessions at once, or undefined when no range
 * does (vsftpd carries at most 17,951 on the widest range, 64,512 ports).
 */
export function portsForClients(daemon: FtpDaemon, clients: number): number | undefined {
  if (!Number.isInteger(clients) || clients < 1)
    refuse(
      `clients (${describeValue(clients)}) must be a positive integer.`,
      'give how many clients transfer at once, e.g. 10.',
    );
  checkDaemon(daemon);
  if (sessionsCarried(daemon, MAX_PASSIVE_PORTS) < clients) return undefined;
  // What a range carries never shrinks as it widens: the smallest that carries enough, by bisection.
  let low = 1;
  let high = MAX_PASSIVE_PORTS;
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (sessionsCarried(daemon, mid) >= clients) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** A load for the queueing model: sessions at once, each alternating between holding a port and not. */
export interface LoadShape {
  readonly daemon: FtpDaemon;
  readonly ports: number;
  /** Sessions at once (clients, or the cap when one applies). */
  readonly sessions: number;
  /** Mean seconds a session holds a passive port per transfer. */
  readonly holdSeconds: number;
  /** Mean seconds a session spends between two holds (login, transfer, commands, a failure's timeout). */
  readonly idleSeconds: number;
}

/**
 * The fraction of transfers an uncapped server loses under a load: a finite-source birth-death model (Engset) of
 * the ports held, where each of the sessions not holding a port asks for one at rate 1 / idleSeconds and is
 * served with the daemon's own chance in state h (h ports held): vsftpd 1 - (h / ports)^9, ProFTPD and Pure-FTPd
 * 1 unless all ports are held. A hold ends at rate 1 / holdSeconds. Sessions are assumed independent.
 */
export function predictLoss(load: LoadShape): number {
  const { daemon, ports, sessions, holdSeconds, idleSeconds } = load;
  checkDaemon(daemon);
  checkPorts(ports);
  for (const [name, v] of Object.entries({ sessions, holdSeconds, idleSeconds }))
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))
      refuse(
        `${name} (${describeValue(v)}) must be a positive number.`,
        'give the measured mean, in sessions or seconds.',
      );
  const served = (h: number) => (daemon === 'vsftpd' ? 1 - Math.pow(h / ports, VSFTPD_BIND_TRIES) : h < ports ? 1 : 0);
  const top = Math.min(Math.floor(sessions), ports);
  const weights = [1];
  for (let h = 0; h < top; h++) {
    const up = ((sessions - h) / idleSeconds) * served(h);
    const down = (h + 1) / holdSeconds;
    weights.push((weights[h] * up) / down);
  }
  let asked = 0;
  let lost = 0;
  weights.forEach((w, h) => {
    asked += w * (sessions - h);
    lost += w * (sessions - h) * (1 - served(h));
  });
  return asked === 0 ? 0 : lost / asked;
}

function checkPorts(ports: number): void {
  if (!Number.isInteger(ports) || ports < 1 || ports > MAX_PASSIVE_PORTS)
    refuse(
      `ports (${describeValue(ports)}) must be an integer from 1 to ${MAX_PASSIVE_PORTS}.`,
      'give the number of ports in the passive range (portCount(passivePorts)).',
    );
}

function checkDaemon(daemon: unknown): void {
  if (!Object.prototype.hasOwnProperty.call(DAEMON_NAMES, daemon as PropertyKey))
    throw new FtpsValidationError([
      Diagnose.invalidProp(
        `daemon (${describeValue(daemon)}) is not one of ${Object.keys(DAEMON_NAMES).join(', ')}.`,
        "pass 'vsftpd', 'proftpd' or 'pure-ftpd'.",
      ),
    ]);
}

/** Bad input to the capacity functions: the library's error, with its id. */
function refuse(problem: string, fix: string): never {
  throw new FtpsValidationError([Diagnose.invalidLimit(problem, fix)]);
}
