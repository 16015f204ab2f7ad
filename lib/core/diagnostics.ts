/** How serious a diagnostic is: an error stops synthesis, a warning is a risky but legal choice. */
export type DiagnosticLevel = 'error' | 'warning';

/** A finding about FTPS options or clients, as data; each backend maps it to its own annotation mechanism. */
export interface Diagnostic {
  /** Stable identifier, safe to acknowledge or filter on (see {@link DiagnosticIds}). */
  readonly id: string;
  readonly level: DiagnosticLevel;
  /** One sentence that names the value, what is allowed, and the fix. */
  readonly message: string;
}

/** The stable diagnostic ids. Backends use the same ids, so an acknowledgement reads the same on every cloud. */
export const DiagnosticIds = {
  /** A port is not an integer in 1-65535. */
  INVALID_PORT: 'ftps-constructs:invalidPort',
  /** A port range has `from` greater than `to`. */
  INVERTED_RANGE: 'ftps-constructs:invertedPortRange',
  /** The passive range starts below 1024 (privileged ports). */
  PRIVILEGED_PASSIVE_PORTS: 'ftps-constructs:privilegedPassivePorts',
  /** The passive range contains the control port or the active data port. */
  PASSIVE_RANGE_OVERLAP: 'ftps-constructs:passiveRangeOverlap',
  /** The active data port (control port - 1) does not exist. */
  INVALID_ACTIVE_DATA_PORT: 'ftps-constructs:invalidActiveDataPort',
  /** The TLS mode is not a known one. */
  INVALID_TLS_MODE: 'ftps-constructs:invalidTlsMode',
  /** A client address does not parse, has host bits set, or lacks a prefix length. */
  INVALID_CLIENT: 'ftps-constructs:invalidClient',
  /** Implicit TLS on 21, or explicit TLS on 990: clients will guess wrong. */
  TLS_PORT_MISMATCH: 'ftps-constructs:tlsPortMismatch',
  /** Active mode: the server connects back to the client, which breaks through client-side NAT. */
  ACTIVE_MODE: 'ftps-constructs:activeMode',
  /** A passive range of fewer than 10 ports limits concurrent transfers. */
  SMALL_PASSIVE_RANGE: 'ftps-constructs:smallPassiveRange',
  /** A client is the whole Internet (0.0.0.0/0, ::/0, Internet, *). */
  WORLD_OPEN: 'ftps-constructs:worldOpen',
  /** No client is allowed: the endpoint opens nothing yet. */
  NO_CLIENTS: 'ftps-constructs:noClients',
  /** A deployable server got neither a certificate nor the self-signed opt-in, or both. */
  CERTIFICATE_SOURCE: 'ftps-constructs:certificateSource',
  /** A deployable server makes a self-signed certificate: clients must skip verification. For tests only. */
  SELF_SIGNED_CERTIFICATE: 'ftps-constructs:selfSignedCertificate',
  /** A setting a managed service fixes (AWS Transfer Family's ports, TLS mode, active mode). */
  UNSUPPORTED_SETTING: 'ftps-constructs:unsupportedSetting',
} as const;

/** Thrown when options or clients are invalid; carries every error found, not only the first. */
export class FtpsValidationError extends Error {
  public readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[], context?: string) {
    const errors = diagnostics.filter((d) => d.level === 'error');
    const prefix = context ? `${context}: ` : '';
    const body =
      errors.length === 1
        ? errors[0].message
        : `${errors.length} invalid FTPS settings:\n${errors.map((e) => `  - ${e.message}`).join('\n')}`;
    super(`${prefix}${body}`);
    this.name = 'FtpsValidationError';
    this.diagnostics = errors;
  }
}

/** Throws a {@link FtpsValidationError} if any diagnostic is an error; returns the warnings otherwise. */
export function throwOnErrors(diagnostics: readonly Diagnostic[], context?: string): Diagnostic[] {
  if (diagnostics.some((d) => d.level === 'error')) {
    throw new FtpsValidationError(diagnostics, context);
  }
  return diagnostics.filter((d) => d.level === 'warning');
}

export function error(id: string, message: string): Diagnostic {
  return { id, level: 'error', message };
}

export function warning(id: string, message: string): Diagnostic {
  return { id, level: 'warning', message };
}
