/** How serious a diagnostic is: an error stops synthesis, a warning is a risky but legal choice. */
export type DiagnosticLevel = 'error' | 'warning';

/** A finding about FTPS options, props or clients, as data; each backend maps it to its own annotation mechanism. */
export interface Diagnostic {
  /** Stable identifier, safe to acknowledge or filter on (see {@link DiagnosticIds}). */
  readonly id: string;
  readonly level: DiagnosticLevel;
  /** The whole finding in one sentence: the value, what is allowed, and (after "Fix:") the fix. */
  readonly message: string;
  /** The fix alone. */
  readonly fix: string;
}

/** Makes one kind of diagnostic from what is wrong and how to fix it. */
export type DiagnosticFactory = (problem: string, fix: string) => Diagnostic;

function define(name: string, level: DiagnosticLevel): DiagnosticFactory {
  const id = `ftps-constructs:${name}`;
  return (problem, fix) => ({ id, level, message: `${problem} Fix: ${fix}`, fix });
}

/**
 * The one registry of diagnostics: every finding the library reports, on every cloud and in the CLI, is made by
 * one of these factories, so its id and level cannot drift between callers.
 */
export const Diagnose = {
  // Options and props (errors: thrown before anything is created)
  /** FTPS options or a props object is missing, or is not an object. */
  missingProps: define('missingProps', 'error'),
  /** A port is not an integer in 1-65535, or is a deploy-time token. */
  invalidPort: define('invalidPort', 'error'),
  /** A port range has `from` greater than `to`. */
  invertedPortRange: define('invertedPortRange', 'error'),
  /** The passive range starts below 1024 (privileged ports). */
  privilegedPassivePorts: define('privilegedPassivePorts', 'error'),
  /** The passive range contains the control port or the active data port. */
  passiveRangeOverlap: define('passiveRangeOverlap', 'error'),
  /** The active data port (control port - 1) does not exist. */
  invalidActiveDataPort: define('invalidActiveDataPort', 'error'),
  /** The TLS mode is not a known one. */
  invalidTlsMode: define('invalidTlsMode', 'error'),
  /** `activeMode` is not a boolean. */
  invalidActiveMode: define('invalidActiveMode', 'error'),
  /** A client address does not parse, has host bits set, lacks a prefix length, or is of the wrong type. */
  invalidClient: define('invalidClient', 'error'),
  /** A server-side address (passive address, server prefixes, SSH sources) does not parse. */
  invalidAddress: define('invalidAddress', 'error'),
  /** An Azure service tag that Azure does not document. */
  unknownServiceTag: define('unknownServiceTag', 'error'),
  /** A numeric limit or rule-numbering prop (NACL numbers, quotas, priorities) is out of range or not a number. */
  invalidLimit: define('invalidLimit', 'error'),
  /** Another prop has the wrong type or an impossible value. */
  invalidProp: define('invalidProp', 'error'),
  /** A value would break a shell line, a configuration line or a path (a newline, a quote, a comma). */
  unsafeValue: define('unsafeValue', 'error'),
  /** A server setting (certificate paths) is not usable. */
  invalidServerSetting: define('invalidServerSetting', 'error'),
  /** An output format is not one of the known ones. */
  invalidFormat: define('invalidFormat', 'error'),
  /** A deployable server got neither a certificate nor the self-signed opt-in, or both. */
  certificateSource: define('certificateSource', 'error'),
  /** A setting a managed service fixes (AWS Transfer Family's ports, TLS mode, active mode). */
  unsupportedSetting: define('unsupportedSetting', 'error'),
  /** The scope belongs to another Terraform CDK (cdktf and cdktn cannot share an app). */
  wrongFramework: define('wrongFramework', 'error'),
  // Limits the deploy would hit (errors at construction or at synth)
  /** More security group rules than the quota allows. */
  securityGroupRuleLimit: define('securityGroupRuleLimit', 'error'),
  /** More network ACL entries than the quota allows. */
  naclRuleLimit: define('naclRuleLimit', 'error'),
  /** A network ACL rule number out of range or taken. */
  naclRuleNumber: define('naclRuleNumber', 'error'),
  /** More resources than one CloudFormation stack holds. */
  stackResourceLimit: define('stackResourceLimit', 'error'),
  /** An NSG priority out of range or taken. */
  nsgPriority: define('nsgPriority', 'error'),
  /** More address prefixes than one NSG rule holds. */
  nsgPrefixLimit: define('nsgPrefixLimit', 'error'),
  /** More rules than one NSG holds. */
  nsgRuleLimit: define('nsgRuleLimit', 'error'),
  /** A fleet's shape: backends, their passive sub-ranges, or a setting a load balancer cannot carry. */
  invalidFleet: define('invalidFleet', 'error'),
  /** More listeners (AWS NLB) or rules (Azure Load Balancer) than one load balancer holds. */
  loadBalancerLimit: define('loadBalancerLimit', 'error'),
  // Warnings: risky but legal
  /** Implicit TLS on 21, or explicit TLS on 990: clients will guess wrong. */
  tlsPortMismatch: define('tlsPortMismatch', 'warning'),
  /** Active mode: the server connects back to the client, which breaks through client-side NAT. */
  activeMode: define('activeMode', 'warning'),
  /** A passive range of fewer than 10 ports limits concurrent transfers. */
  smallPassiveRange: define('smallPassiveRange', 'warning'),
  /** A client is the whole Internet (0.0.0.0/0, ::/0, Internet, *). */
  worldOpen: define('worldOpen', 'warning'),
  /** No client is allowed: the endpoint opens nothing yet. */
  noClients: define('noClients', 'warning'),
  /** A deployable server makes a self-signed certificate: clients must skip verification. For tests only. */
  selfSignedCertificate: define('selfSignedCertificate', 'warning'),
  /** A prefix list from outside the app: its size, which counts against the quota, is unknown. */
  prefixListUncounted: define('prefixListUncounted', 'warning'),
  // The probe's findings about a live server (ftps-rules probe)
  /** The control port does not answer (closed, filtered, nothing listening, or the name does not resolve). */
  probeControlUnreachable: define('probeControlUnreachable', 'error'),
  /** The server asked for a password without TLS. */
  probePlainFtpAccepted: define('probePlainFtpAccepted', 'warning'),
  /** The TLS handshake or upgrade failed. */
  probeTlsBroken: define('probeTlsBroken', 'error'),
  /** The certificate does not name the host probed (clients such as curl refuse it). */
  probeCertificateMismatch: define('probeCertificateMismatch', 'error'),
  /** The certificate has expired. */
  probeCertificateExpired: define('probeCertificateExpired', 'error'),
  /** The login was refused. */
  probeLoginFailed: define('probeLoginFailed', 'error'),
  /** The login got no answer within the timeout (not a refusal). */
  probeLoginTimeout: define('probeLoginTimeout', 'error'),
  /** Nothing listens on the control port: the connection was refused. */
  probeControlRefused: define('probeControlRefused', 'error'),
  /** The host name does not resolve. */
  probeDnsFailure: define('probeDnsFailure', 'error'),
  /** The control port accepts but sends no FTP greeting (implicit TLS probed as explicit, or not FTP). */
  probeNoGreeting: define('probeNoGreeting', 'error'),
  /** The control port answers with something that is not an FTP greeting. */
  probeNotFtp: define('probeNotFtp', 'error'),
  /** The server requires TLS session reuse on data connections. */
  probeTlsReuseRequired: define('probeTlsReuseRequired', 'warning'),
  /** PASV advertises an address other than the server probed (the NAT trap). */
  probePasvAddress: define('probePasvAddress', 'error'),
  /** The server offered a data port outside the declared passive range. */
  probePortOutsideRange: define('probePortOutsideRange', 'error'),
  /** A passive data port does not answer. */
  probeDataPortClosed: define('probeDataPortClosed', 'error'),
  /** The server does not know AUTH TLS (500/502/504): TLS is not loaded (ProFTPD without mod_tls). */
  probeTlsNotOffered: define('probeTlsNotOffered', 'error'),
  /** Data connections fail under TLS 1.3 and work under TLS 1.2: the server's TLS 1.3 session resumption fails. */
  probeTls13DataFailure: define('probeTls13DataFailure', 'error'),
  // The probe's load mode (ftps-rules probe --concurrency N)
  /** Sessions at once exhausted the passive range: vsftpd's bind failure (500 OOPS), or ProFTPD's port outside it. */
  probeRangeExhausted: define('probeRangeExhausted', 'error'),
  /** Sessions beyond the server's session cap were refused at connect or login (421, 530): clients must retry. */
  probeSessionsRefused: define('probeSessionsRefused', 'error'),
  /** Sessions at once timed out (a step got no answer within the timeout). */
  probeLoadTimeout: define('probeLoadTimeout', 'error'),
} as const;

type Registry = typeof Diagnose;
type IdName<K extends string> = K extends `${infer A}${infer B}`
  ? A extends Uppercase<A>
    ? A extends Lowercase<A>
      ? `${A}${IdName<B>}`
      : `_${A}${IdName<B>}`
    : `${Uppercase<A>}${IdName<B>}`
  : K;

function constantName(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}

/**
 * The stable diagnostic ids, by constant name (`DiagnosticIds.INVALID_PORT` is `ftps-constructs:invalidPort`).
 * Backends use the same ids, so an acknowledgement reads the same on every cloud.
 */
export const DiagnosticIds = Object.freeze({
  ...(Object.fromEntries(Object.entries(Diagnose).map(([name, make]) => [constantName(name), make('', '').id])) as {
    readonly [K in keyof Registry as IdName<K & string>]: string;
  }),
  /** The name this id had before the registry: `ftps-constructs:invertedPortRange`. */
  INVERTED_RANGE: 'ftps-constructs:invertedPortRange',
});

/** `[ftps-constructs:invalidPort] passivePorts.from (...) ...`: how a diagnostic reads in an error or a log. */
export function formatDiagnostic(d: Diagnostic): string {
  return `[${d.id}] ${d.message}`;
}

/** Thrown when options, props or clients are invalid; carries every error found, not only the first. */
export class FtpsValidationError extends Error {
  public readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[], context?: string) {
    const errors = diagnostics.filter((d) => d.level === 'error');
    const prefix = context ? `${context}: ` : '';
    const body =
      errors.length === 1
        ? formatDiagnostic(errors[0])
        : `${errors.length} invalid FTPS settings:\n${errors.map((e) => `  - ${formatDiagnostic(e)}`).join('\n')}`;
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
