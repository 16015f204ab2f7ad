import { Diagnose, Diagnostic } from './diagnostics';
import {
  DEFAULT_CLIENT_PORTS,
  DEFAULT_EXPLICIT_CONTROL_PORT,
  DEFAULT_IMPLICIT_CONTROL_PORT,
  FtpsOptions,
  FtpsTls,
  PortRange,
  ResolvedFtpsOptions,
  SMALL_PASSIVE_RANGE,
  formatPorts,
  portCount,
  rangeContains,
} from './ftps-options';
import { Expectation, PropChecker, describeValue } from './private/checks';

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
  if (portCount(o.passivePorts) < SMALL_PASSIVE_RANGE) found.push(smallRangeWarning(o.passivePorts));
  return found;
}

/** The concurrency a passive range allows, as a warning (also shown in worksheets). */
export function smallRangeWarning(range: PortRange): Diagnostic {
  const n = portCount(range);
  const pure = Math.floor(n / 2);
  return Diagnose.smallPassiveRange(
    `passivePorts (${formatPorts(range)}) has only ${n} port${n === 1 ? '' : 's'}: at most ${n} data connection${n === 1 ? '' : 's'} can be opening at once ` +
      `(vsftpd and ProFTPD use one port per transfer being opened; Pure-FTPd caps clients at half the range, ${pure}); ` +
      'more concurrent transfers wait or fail.',
    `widen the range to at least ${SMALL_PASSIVE_RANGE} ports if you expect concurrent clients.`,
  );
}
