import { Diagnose, Diagnostic } from './diagnostics';
import {
  DEFAULT_CLIENT_PORTS,
  DEFAULT_EXPLICIT_CONTROL_PORT,
  DEFAULT_IMPLICIT_CONTROL_PORT,
  FtpsOptions,
  FtpsTls,
  MAX_CONCURRENT_CLIENTS,
  PortRange,
  ResolvedFtpsOptions,
  SMALL_PASSIVE_RANGE,
  formatPorts,
  portCount,
  rangeContains,
} from './ftps-options';
import { DAEMON_NAMES, MAX_PASSIVE_PORTS, passiveCapacity, portsForClients, sessionsCarried } from './capacity';
import { Expectation, PropChecker, describeValue } from './private/checks';
import type { FtpDaemon } from './vsftpd-boot';

/** The daemons in the order warnings name them, with their names as written. */
const FTP_DAEMON_NAMES = Object.entries(DAEMON_NAMES) as ReadonlyArray<[FtpDaemon, string]>;

/** Options for validation. */
export interface ValidationContext {
  /**
   * Tells whether a value is an unresolved deploy-time token (a CDK `Token`, a cdktf reference). A port that is
   * a token is an error: rules, rule numbers and the server configuration need ports at synth time.
   * @default nothing is a token
   */
  readonly isUnresolved?: (value: unknown) => boolean;
}

const MIN_UNPRIVILEGED_PORT = 1024;
const PASSIVE_FIX = 'pick a range such as 50000-50009 and configure the same range on the server.';
const CONTROL_FIX = `use the port the server listens on (${DEFAULT_EXPLICIT_CONTROL_PORT} for explicit TLS, ${DEFAULT_IMPLICIT_CONTROL_PORT} for implicit TLS).`;
const CLIENT_PORTS_FIX =
  "leave clientPorts unset (1024-65535 covers Linux, Windows and NAT gateways) or give the clients' ephemeral range.";

/**
 * Checks FTPS options, types first, and returns every finding: errors (the options cannot work) and warnings
 * (risky but legal). Never throws. The checked, resolved options come with them when there is no error.
 * Internal to the core: callers use {@link planFtps}, or {@link validateOptions} for the findings alone.
 */
export function checkOptions(
  options: unknown,
  context: ValidationContext = {},
): { diagnostics: Diagnostic[]; resolved?: ResolvedFtpsOptions } {
  const c = new PropChecker(context.isUnresolved);
  const o = c.object(
    'FTPS options',
    options,
    {
      diagnose: Diagnose.missingProps,
      fix: 'pass at least { passivePorts: { from, to } }.',
    },
    true,
  );
  if (o === undefined) return { diagnostics: c.found };

  let tls: FtpsTls | undefined = FtpsTls.EXPLICIT;
  if (o.tls === null || (o.tls !== undefined && o.tls !== FtpsTls.EXPLICIT && o.tls !== FtpsTls.IMPLICIT)) {
    c.add(
      Diagnose.invalidTlsMode(
        `tls (${describeValue(o.tls)}) must be FtpsTls.EXPLICIT ('explicit') or FtpsTls.IMPLICIT ('implicit').`,
        'leave tls unset for explicit FTPS (AUTH TLS), or pass FtpsTls.IMPLICIT.',
      ),
    );
    tls = undefined;
  } else if (o.tls !== undefined) {
    tls = o.tls as FtpsTls;
  }

  const controlPort =
    o.controlPort === undefined
      ? tls === undefined
        ? undefined
        : defaultControlPort(tls)
      : checkControlPort(c, 'controlPort', o.controlPort);

  const passivePorts = checkRange(c, 'passivePorts', o.passivePorts, true, MIN_UNPRIVILEGED_PORT, PASSIVE_FIX);
  if (passivePorts && passivePorts.from < MIN_UNPRIVILEGED_PORT) {
    c.add(
      Diagnose.privilegedPassivePorts(
        `passivePorts (${formatPorts(passivePorts)}) starts below ${MIN_UNPRIVILEGED_PORT}: passive ports must be ${MIN_UNPRIVILEGED_PORT}-65535, away from privileged service ports.`,
        PASSIVE_FIX,
      ),
    );
  }
  const clientPorts =
    o.clientPorts === undefined
      ? DEFAULT_CLIENT_PORTS
      : checkRange(c, 'clientPorts', o.clientPorts, false, 1, CLIENT_PORTS_FIX);

  const activeMode =
    o.activeMode === undefined
      ? false
      : c.boolean('activeMode', o.activeMode, {
          diagnose: Diagnose.invalidActiveMode,
          fix: 'pass true to also allow active mode (PORT/EPRT), or leave it unset for passive mode only.',
        });

  const concurrentClients = c.integer(
    'concurrentClients',
    o.concurrentClients,
    { min: 1, max: MAX_CONCURRENT_CLIENTS },
    {
      diagnose: Diagnose.invalidLimit,
      fix: 'give how many clients transfer at the same moment, e.g. 10, or leave it unset.',
    },
  );

  if (controlPort !== undefined && passivePorts && rangeContains(passivePorts, controlPort)) {
    c.add(
      Diagnose.passiveRangeOverlap(
        `passivePorts (${formatPorts(passivePorts)}) contains the control port ${controlPort}.`,
        'move the passive range away from the control port, e.g. 50000-50009.',
      ),
    );
  }
  const activeDataPort = controlPort === undefined ? undefined : controlPort - 1;
  if (activeMode === true && activeDataPort !== undefined) {
    if (activeDataPort < 1) {
      c.add(
        Diagnose.invalidActiveDataPort(
          `controlPort (${controlPort}) leaves no active data port (control port - 1 = ${activeDataPort}).`,
          'use controlPort 21 or 990, or turn activeMode off.',
        ),
      );
    } else if (passivePorts && rangeContains(passivePorts, activeDataPort)) {
      c.add(
        Diagnose.passiveRangeOverlap(
          `passivePorts (${formatPorts(passivePorts)}) contains the active data port ${activeDataPort} (control port - 1).`,
          'move the passive range away from it, e.g. 50000-50009.',
        ),
      );
    }
  }
  if (
    c.found.length > 0 ||
    tls === undefined ||
    controlPort === undefined ||
    passivePorts === undefined ||
    clientPorts === undefined ||
    activeMode === undefined ||
    activeDataPort === undefined
  ) {
    return { diagnostics: c.found };
  }
  const resolved: ResolvedFtpsOptions = {
    tls,
    controlPort,
    passivePorts: { from: passivePorts.from, to: passivePorts.to },
    activeMode,
    activeDataPort,
    clientPorts: { from: clientPorts.from, to: clientPorts.to },
    ...(concurrentClients === undefined ? {} : { concurrentClients }),
  };
  return { diagnostics: [...c.found, ...warningsFor(resolved, o.controlPort !== undefined)], resolved };
}

/** The control port a TLS mode uses unless told otherwise: 21 explicit, 990 implicit. */
export function defaultControlPort(tls: FtpsTls): number {
  return tls === FtpsTls.IMPLICIT ? DEFAULT_IMPLICIT_CONTROL_PORT : DEFAULT_EXPLICIT_CONTROL_PORT;
}

/** The control port check, by type then range: the options' and the CLI probe's `--port`. */
export function checkControlPort(c: PropChecker, name: string, value: unknown): number | undefined {
  return c.integer(name, value, { min: 1, max: 65535 }, { diagnose: Diagnose.invalidPort, fix: CONTROL_FIX });
}

/** Every finding about the options: errors and warnings. Never throws; {@link planFtps} throws on errors. */
export function validateOptions(options: FtpsOptions, context: ValidationContext = {}): Diagnostic[] {
  return checkOptions(options, context).diagnostics;
}

function checkRange(
  c: PropChecker,
  name: string,
  value: unknown,
  required: boolean,
  shownMin: number,
  fix: string,
): PortRange | undefined {
  const range = c.object(name, value, { diagnose: Diagnose.invalidPort, fix: `pass { from, to }: ${fix}` }, required);
  if (range === undefined) {
    if (required && value === undefined) {
      // Replace the generic "is required" with the domain's own explanation.
      c.found.pop();
      c.add(
        Diagnose.invalidPort(
          'passivePorts is required: the passive data port range configured on the server.',
          'pass e.g. { passivePorts: { from: 50000, to: 50009 } } and configure the same range on the server.',
        ),
      );
    }
    return undefined;
  }
  const e: Expectation = { diagnose: Diagnose.invalidPort, fix };
  const from = c.integer(`${name}.from`, range.from, { min: 1, max: 65535, shownMin }, e, true);
  const to = c.integer(`${name}.to`, range.to, { min: 1, max: 65535, shownMin }, e, true);
  if (from === undefined || to === undefined) return undefined;
  if (from > to) {
    c.add(
      Diagnose.invertedPortRange(
        `${name} (${from}-${to}) is inverted: from (${from}) is greater than to (${to}).`,
        `swap them (${to}-${from}).`,
      ),
    );
    return undefined;
  }
  return { from, to };
}

function warningsFor(o: ResolvedFtpsOptions, controlPortGiven: boolean): Diagnostic[] {
  const found: Diagnostic[] = [];
  if (controlPortGiven) {
    if (o.tls === FtpsTls.IMPLICIT && o.controlPort === DEFAULT_EXPLICIT_CONTROL_PORT) {
      found.push(
        Diagnose.tlsPortMismatch(
          `Implicit TLS on port ${DEFAULT_EXPLICIT_CONTROL_PORT}: clients expect explicit FTPS (AUTH TLS) there and will fail the handshake.`,
          `use controlPort ${DEFAULT_IMPLICIT_CONTROL_PORT}, or tls EXPLICIT.`,
        ),
      );
    } else if (o.tls === FtpsTls.EXPLICIT && o.controlPort === DEFAULT_IMPLICIT_CONTROL_PORT) {
      found.push(
        Diagnose.tlsPortMismatch(
          `Explicit TLS on port ${DEFAULT_IMPLICIT_CONTROL_PORT}: clients expect implicit FTPS (TLS from the first byte) there.`,
          `use controlPort ${DEFAULT_EXPLICIT_CONTROL_PORT}, or tls IMPLICIT.`,
        ),
      );
    }
  }
  if (o.activeMode) {
    found.push(
      Diagnose.activeMode(
        `Active mode is on: the server opens data connections from port ${o.activeDataPort} to the client, which fails through client-side NAT and client firewalls.`,
        'prefer passive mode (activeMode: false) unless a client cannot do passive.',
      ),
    );
  }
  const range = rangeWarning(o.passivePorts, o.concurrentClients);
  if (range) found.push(range);
  return found;
}

/**
 * What the passive range carries, as a warning when it may not carry the load: with `concurrentClients` stated,
 * when any daemon's session cap is below it (naming the smallest range that carries it); without, when the range
 * has fewer than {@link SMALL_PASSIVE_RANGE} ports. Says what happens on each daemon (also shown in worksheets).
 */
export function rangeWarning(range: PortRange, concurrentClients?: number): Diagnostic | undefined {
  const n = portCount(range);
  const caps = FTP_DAEMON_NAMES.map(([daemon, name]) => {
    const cap = passiveCapacity(daemon, n).sessionCap;
    return {
      daemon,
      name,
      cap,
      text: `${sessionsCarried(daemon, n)} with ${name}${cap === undefined ? ' (uncapped)' : ''}`,
    };
  });
  const carried = `${n} passive port${n === 1 ? '' : 's'} (${formatPorts(range)}) carry ${caps.map((c) => c.text).join(', ')} at once`;
  const behaviour =
    'the configurations ftps-constructs renders cap sessions at these numbers, so clients beyond them are refused at login (421 or 530) and must retry; ' +
    'without the caps vsftpd ends sessions with "500 OOPS" in clear text on the TLS connection, ProFTPD offers data ports outside the range that the firewall drops, and Pure-FTPd refuses clients beyond half the range.';
  if (concurrentClients !== undefined) {
    const short = caps.filter((c) => sessionsCarried(c.daemon, n) < concurrentClients);
    if (short.length === 0) return undefined;
    const needed = caps.map((c) => ({ ...c, ports: portsForClients(c.daemon, concurrentClients) }));
    const needs = needed.map((c) =>
      c.ports === undefined
        ? `${c.name} none (at most ${sessionsCarried(c.daemon, MAX_PASSIVE_PORTS)} on the widest range)`
        : `${c.name} ${c.ports}`,
    );
    const possible = needed.filter((c): c is typeof c & { ports: number } => c.ports !== undefined);
    const impossible = needed.filter((c) => c.ports === undefined).map((c) => c.name);
    const widest = Math.max(...possible.map((c) => c.ports));
    // A range of that size from the same first port, moved down if it would pass 65535.
    const from = Math.min(range.from, 65535 - widest + 1);
    return Diagnose.smallPassiveRange(
      `concurrentClients (${concurrentClients}) is more than the passive range carries: ${carried}; ${behaviour}`,
      `widen passivePorts to ${widest} ports (${formatPorts({ from, to: from + widest - 1 })}) for ${concurrentClients} clients at once on ${impossible.length ? possible.map((c) => c.name).join(' and ') : 'every daemon'} (ports needed: ${needs.join(', ')}), and configure the same range on the server` +
        (impossible.length
          ? `; ${impossible.join(' and ')} cannot carry that many on one server: use ${possible.map((c) => c.name).join(' or ')}, or several servers.`
          : '.'),
    );
  }
  if (n >= SMALL_PASSIVE_RANGE) return undefined;
  return Diagnose.smallPassiveRange(
    `${carried}: ${behaviour}`,
    `state how many clients transfer at once (concurrentClients) to have the range checked against it, or widen the range (${SMALL_PASSIVE_RANGE} ports carry ${FTP_DAEMON_NAMES.map(([d, name]) => `${passiveCapacity(d, SMALL_PASSIVE_RANGE).sessionCap} with ${name}`).join(', ')}).`,
  );
}
