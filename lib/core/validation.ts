import { DiagnosticIds, Diagnostic, error, warning } from './diagnostics';
import {
  DEFAULT_EXPLICIT_CONTROL_PORT,
  DEFAULT_IMPLICIT_CONTROL_PORT,
  FtpsOptions,
  FtpsTls,
  PortRange,
  SMALL_PASSIVE_RANGE,
  formatPorts,
  portCount,
  rangeContains,
  resolveOptions,
} from './ftps-options';

/** Options for validation. */
export interface ValidationContext {
  /**
   * Tells whether a value is an unresolved deploy-time token (a CDK `Token`, a cdktf reference);
   * such values are skipped rather than rejected.
   * @default nothing is a token
   */
  readonly isUnresolved?: (value: unknown) => boolean;
}

const MIN_UNPRIVILEGED_PORT = 1024;

/**
 * Checks FTPS options and returns every finding: errors (the options cannot work) and warnings (risky but
 * legal). Never throws: use `throwOnErrors` to stop on errors.
 */
export function validateOptions(options: FtpsOptions, context: ValidationContext = {}): Diagnostic[] {
  const unresolved = context.isUnresolved ?? (() => false);
  const found: Diagnostic[] = [];
  if (options === undefined || options === null || typeof options !== 'object') {
    return [
      error(DiagnosticIds.INVALID_PORT, 'FTPS options are missing. Fix: pass at least { passivePorts: { from, to } }.'),
    ];
  }
  if (!options.passivePorts || typeof options.passivePorts !== 'object') {
    return [
      error(
        DiagnosticIds.INVALID_PORT,
        'passivePorts is required: the passive data port range configured on the server. Fix: pass e.g. { passivePorts: { from: 50000, to: 50009 } } and configure the same range on the server.',
      ),
    ];
  }
  if (options.tls !== undefined && options.tls !== FtpsTls.EXPLICIT && options.tls !== FtpsTls.IMPLICIT) {
    found.push(
      error(
        DiagnosticIds.INVALID_TLS_MODE,
        `tls (${JSON.stringify(options.tls)}) must be FtpsTls.EXPLICIT ('explicit') or FtpsTls.IMPLICIT ('implicit').`,
      ),
    );
    return found;
  }
  const resolved = resolveOptions(options);
  const known = (value: number) => !unresolved(value);

  const portOk = (name: string, value: number, min: number, fix: string): boolean => {
    if (!known(value)) return false;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
      found.push(
        error(
          DiagnosticIds.INVALID_PORT,
          `${name} (${describe(value)}) must be an integer from ${min} to 65535. Fix: ${fix}`,
        ),
      );
      return false;
    }
    return true;
  };

  const controlFix = `use the port the server listens on (${DEFAULT_EXPLICIT_CONTROL_PORT} for explicit TLS, ${DEFAULT_IMPLICIT_CONTROL_PORT} for implicit TLS).`;
  const controlOk = portOk('controlPort', resolved.controlPort, 1, controlFix);

  const passiveFix = 'pick a range such as 50000-50009 and configure the same range on the server.';
  const passiveFromOk = portOk('passivePorts.from', resolved.passivePorts.from, MIN_UNPRIVILEGED_PORT, passiveFix);
  const passiveToOk = portOk('passivePorts.to', resolved.passivePorts.to, MIN_UNPRIVILEGED_PORT, passiveFix);
  const passiveOk = passiveFromOk && passiveToOk && rangeOrdered('passivePorts', resolved.passivePorts, found);

  if (passiveOk && resolved.passivePorts.from < MIN_UNPRIVILEGED_PORT) {
    found.push(
      error(
        DiagnosticIds.PRIVILEGED_PASSIVE_PORTS,
        `passivePorts (${formatPorts(resolved.passivePorts)}) starts below ${MIN_UNPRIVILEGED_PORT}: passive ports must be ${MIN_UNPRIVILEGED_PORT}-65535, away from privileged service ports. Fix: ${passiveFix}`,
      ),
    );
  }

  if (options.clientPorts !== undefined) {
    const clientFix =
      "leave clientPorts unset (1024-65535 covers Linux, Windows and NAT gateways) or give the clients' ephemeral range.";
    const fromOk = portOk('clientPorts.from', resolved.clientPorts.from, 1, clientFix);
    const toOk = portOk('clientPorts.to', resolved.clientPorts.to, 1, clientFix);
    if (fromOk && toOk) rangeOrdered('clientPorts', resolved.clientPorts, found);
  }

  if (controlOk && passiveOk && rangeContains(resolved.passivePorts, resolved.controlPort)) {
    found.push(
      error(
        DiagnosticIds.PASSIVE_RANGE_OVERLAP,
        `passivePorts (${formatPorts(resolved.passivePorts)}) contains the control port ${resolved.controlPort}. Fix: move the passive range away from the control port, e.g. 50000-50009.`,
      ),
    );
  }

  if (
    options.activeMode !== undefined &&
    typeof options.activeMode !== 'boolean' &&
    known(options.activeMode as unknown as number)
  ) {
    found.push(
      error(DiagnosticIds.INVALID_PORT, `activeMode (${describe(options.activeMode)}) must be true or false.`),
    );
  }

  if (resolved.activeMode && controlOk) {
    if (resolved.activeDataPort < 1) {
      found.push(
        error(
          DiagnosticIds.INVALID_ACTIVE_DATA_PORT,
          `controlPort (${resolved.controlPort}) leaves no active data port (control port - 1 = ${resolved.activeDataPort}). Fix: use controlPort 21 or 990, or turn activeMode off.`,
        ),
      );
    } else if (passiveOk && rangeContains(resolved.passivePorts, resolved.activeDataPort)) {
      found.push(
        error(
          DiagnosticIds.PASSIVE_RANGE_OVERLAP,
          `passivePorts (${formatPorts(resolved.passivePorts)}) contains the active data port ${resolved.activeDataPort} (control port - 1). Fix: move the passive range away from it, e.g. 50000-50009.`,
        ),
      );
    }
  }

  // Warnings: legal but risky.
  if (controlOk && options.controlPort !== undefined) {
    if (resolved.tls === FtpsTls.IMPLICIT && resolved.controlPort === DEFAULT_EXPLICIT_CONTROL_PORT) {
      found.push(
        warning(
          DiagnosticIds.TLS_PORT_MISMATCH,
          `Implicit TLS on port ${DEFAULT_EXPLICIT_CONTROL_PORT}: clients expect explicit FTPS (AUTH TLS) there and will fail the handshake. Fix: use controlPort ${DEFAULT_IMPLICIT_CONTROL_PORT}, or tls EXPLICIT.`,
        ),
      );
    } else if (resolved.tls === FtpsTls.EXPLICIT && resolved.controlPort === DEFAULT_IMPLICIT_CONTROL_PORT) {
      found.push(
        warning(
          DiagnosticIds.TLS_PORT_MISMATCH,
          `Explicit TLS on port ${DEFAULT_IMPLICIT_CONTROL_PORT}: clients expect implicit FTPS (TLS from the first byte) there. Fix: use controlPort ${DEFAULT_EXPLICIT_CONTROL_PORT}, or tls IMPLICIT.`,
        ),
      );
    }
  }
  if (resolved.activeMode === true) {
    found.push(
      warning(
        DiagnosticIds.ACTIVE_MODE,
        `Active mode is on: the server opens data connections from port ${resolved.activeDataPort} to the client, which fails through client-side NAT and client firewalls. Fix: prefer passive mode (activeMode: false) unless a client cannot do passive.`,
      ),
    );
  }
  if (passiveOk && resolved.passivePorts.from >= MIN_UNPRIVILEGED_PORT) {
    const n = portCount(resolved.passivePorts);
    if (n < SMALL_PASSIVE_RANGE) {
      found.push(warning(DiagnosticIds.SMALL_PASSIVE_RANGE, smallRangeMessage(resolved.passivePorts)));
    }
  }
  return found;
}

/** The concurrency a passive range allows, in words, for warnings and worksheets. */
export function smallRangeMessage(range: PortRange): string {
  const n = portCount(range);
  const pure = Math.floor(n / 2);
  return (
    `passivePorts (${formatPorts(range)}) has only ${n} port${n === 1 ? '' : 's'}: at most ${n} data connection${n === 1 ? '' : 's'} can be opening at once ` +
    `(vsftpd and ProFTPD use one port per transfer being opened; Pure-FTPd caps clients at half the range, ${pure}); ` +
    `more concurrent transfers wait or fail. Fix: widen the range to at least ${SMALL_PASSIVE_RANGE} ports if you expect concurrent clients.`
  );
}

function rangeOrdered(name: string, range: PortRange, found: Diagnostic[]): boolean {
  if (range.from > range.to) {
    found.push(
      error(
        DiagnosticIds.INVERTED_RANGE,
        `${name} (${range.from}-${range.to}) is inverted: from (${range.from}) is greater than to (${range.to}). Fix: swap them (${range.to}-${range.from}).`,
      ),
    );
    return false;
  }
  return true;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/**
 * Errors for ports that are deploy-time tokens: rule numbers, priorities, quotas and the server
 * configuration depend on the ports, so backends need them as numbers at synth time.
 */
export function tokenPortErrors(options: FtpsOptions, isUnresolved: (value: unknown) => boolean): Diagnostic[] {
  const found: Diagnostic[] = [];
  const check = (name: string, v: number | undefined) => {
    // An integer port number is never a token (CDK and CDKTF encode number tokens as huge doubles), so the
    // token check, which costs more than the rest of the validation, runs only for other values. Called per
    // endpoint: nothing is allocated unless a port is a token.
    if (v === undefined || (Number.isInteger(v) && v >= 0 && v <= 65535) || !isUnresolved(v)) return;
    found.push(
      error(
        DiagnosticIds.INVALID_PORT,
        `${name} is a deploy-time value (a token); FTPS ports must be numbers known at synth time, because the server configuration, rule numbers and quotas depend on them. Fix: pass a number (read it from context or an environment variable if it varies).`,
      ),
    );
  };
  check('controlPort', options.controlPort);
  check('passivePorts.from', options.passivePorts?.from);
  check('passivePorts.to', options.passivePorts?.to);
  check('clientPorts.from', options.clientPorts?.from);
  check('clientPorts.to', options.clientPorts?.to);
  return found;
}
