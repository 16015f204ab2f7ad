import { hostOrCidr, parseClientCidr, validateClientCidrs, worldOpenWarning } from './addresses';
import {
  DAEMON_NAMES,
  DEFAULT_HOLD_SECONDS,
  PassiveCapacity,
  passiveCapacity,
  portsForClients,
  sessionsCarried,
} from './capacity';
import { Diagnose, Diagnostic, FtpsValidationError } from './diagnostics';
import { Side } from './flows';
import { FtpsOptions, FtpsTls, ResolvedFtpsOptions, formatPorts, portCount } from './ftps-options';
import { planFtps } from './plan';
import { PropChecker, describeValue } from './private/checks';
import { Direction, statelessServerRules } from './projections';
import { FTP_DAEMONS } from './vsftpd-boot';

/** What a worksheet is drawn for. */
export interface WorksheetProps {
  readonly options: FtpsOptions;
  /**
   * Client networks (CIDRs, or single addresses).
   * @default any address (the worksheet says "any" and warns)
   */
  readonly clients?: readonly string[];
  /**
   * The server's address as the firewall sees it.
   * @default "FTPS server"
   */
  readonly server?: string;
}

/** Which kind of firewall needs a row. */
export type NeededBy = 'both' | 'stateless';

/** One rule a human firewall needs. Directions are relative to the server. */
export interface WorksheetRow {
  readonly rule: number;
  readonly direction: Direction;
  readonly protocol: 'TCP';
  readonly source: string;
  readonly sourcePorts: string;
  readonly destination: string;
  readonly destinationPorts: string;
  readonly purpose: string;
  /** `both`: stateful and stateless firewalls need it; `stateless`: only stateless ones (replies). */
  readonly neededBy: NeededBy;
}

/** The worksheet as data; render it with {@link renderWorksheet}. */
export interface Worksheet {
  readonly options: ResolvedFtpsOptions;
  readonly clients: readonly string[];
  readonly server: string;
  readonly rows: readonly WorksheetRow[];
  /**
   * What the passive range carries with each daemon, with the session caps the rendered configurations set
   * (transfer starts per second for clients that hold a port {@link DEFAULT_HOLD_SECONDS} s, as curl does).
   */
  readonly capacity: readonly PassiveCapacity[];
  /** Warnings about the options and clients (errors throw instead). */
  readonly diagnostics: readonly Diagnostic[];
}

export type WorksheetFormat = 'md' | 'csv' | 'json';

const ANY = 'any';
const DEFAULT_SERVER = 'FTPS server';

/** Builds the worksheet. Throws {@link FtpsValidationError} naming every bad value. */
export function buildWorksheet(props: WorksheetProps): Worksheet {
  const c = new PropChecker();
  const p = c.object(
    'worksheet props',
    props,
    { diagnose: Diagnose.missingProps, fix: 'pass { options, clients?, server? }.' },
    true,
  );
  const clientList =
    p === undefined
      ? undefined
      : c.list('clients', p.clients, {
          diagnose: Diagnose.invalidClient,
          fix: 'pass a list of CIDRs or addresses, e.g. ["203.0.113.0/24"].',
        });
  const clientCheck = validateClientCidrs(clientList ?? [], { allowBareAddress: true });
  c.add(...clientCheck.diagnostics.filter((d) => d.level === 'error'));
  let server = DEFAULT_SERVER;
  if (p?.server !== undefined) {
    const parsed = parseClientCidr(p.server, { allowBareAddress: true });
    if (!parsed.ok) {
      c.add(
        Diagnose.invalidAddress(
          `Server address ${describeValue(p.server)} is not an IPv4 or IPv6 address or CIDR.`,
          'give the address the firewall sees, e.g. 198.51.100.10, or leave it out.',
        ),
      );
    } else {
      server = hostOrCidr(parsed.value);
    }
  }
  const plan = planFtps((p ? p.options : undefined) as FtpsOptions, { context: 'worksheet', also: c.found });
  const warnings = [...plan.diagnostics, ...clientCheck.diagnostics.filter((d) => d.level === 'warning')];
  const clients = clientCheck.clients.map(hostOrCidr);
  if (clients.length === 0) warnings.push(worldOpenWarning(`${ANY} (no client named)`));

  const options = plan.options;
  const sourceOf = (side: Side) => (side === 'server' ? server : clients.length > 0 ? clients.join(', ') : ANY);
  // Stateful rows first: an administrator of a stateful firewall reads the top of the table and stops.
  const rules = statelessServerRules(plan.flows);
  const rows = [...rules.filter((r) => !r.reply), ...rules.filter((r) => r.reply)].map((rule, i): WorksheetRow => ({
    rule: i + 1,
    direction: rule.direction,
    protocol: 'TCP',
    source: sourceOf(rule.source),
    sourcePorts: formatPorts(rule.sourcePorts),
    destination: sourceOf(rule.destination),
    destinationPorts: formatPorts(rule.destinationPorts),
    purpose: rule.purpose,
    neededBy: rule.reply ? 'stateless' : 'both',
  }));
  const capacity = FTP_DAEMONS.map((d) => passiveCapacity(d, portCount(options.passivePorts)));
  return { options, clients: clients.length > 0 ? clients : [ANY], server, rows, capacity, diagnostics: warnings };
}

/** Renders a worksheet as Markdown (for people), CSV (for spreadsheets) or JSON (for tools). */
export function renderWorksheet(worksheet: Worksheet, format: WorksheetFormat = 'md'): string {
  switch (format) {
    case 'md':
      return renderMarkdown(worksheet);
    case 'csv':
      return renderCsv(worksheet);
    case 'json':
      return JSON.stringify(worksheet, null, 2) + '\n';
    default:
      throw new FtpsValidationError([
        Diagnose.invalidFormat(
          `Worksheet format ${describeValue(format)} is not one of md, csv, json.`,
          'pass "md", "csv" or "json".',
        ),
      ]);
  }
}

const COLUMNS: ReadonlyArray<[keyof WorksheetRow, string]> = [
  ['rule', '#'],
  ['direction', 'Direction (at server)'],
  ['protocol', 'Protocol'],
  ['source', 'Source'],
  ['sourcePorts', 'Source ports'],
  ['destination', 'Destination'],
  ['destinationPorts', 'Destination ports'],
  ['purpose', 'Purpose'],
  ['neededBy', 'Needed by'],
];

function neededByText(n: NeededBy): string {
  return n === 'both' ? 'stateful and stateless' : 'stateless only';
}

function renderMarkdown(ws: Worksheet): string {
  const o = ws.options;
  const tls = o.tls === FtpsTls.IMPLICIT ? 'Implicit FTPS (TLS from the first byte)' : 'Explicit FTPS (AUTH TLS)';
  const stateful = ws.rows.filter((r) => r.neededBy === 'both').map((r) => r.rule);
  const lines: string[] = [];
  lines.push('# FTPS firewall worksheet', '');
  lines.push(
    `${tls} on TCP ${o.controlPort}, passive data on TCP ${formatPorts(o.passivePorts)}, active mode ${o.activeMode ? `on (server data from TCP ${o.activeDataPort})` : 'off'}. ` +
      `Clients: ${ws.clients.join(', ')}; their ephemeral ports: ${formatPorts(o.clientPorts)}. Server: ${ws.server}.`,
    '',
  );
  lines.push(`| ${COLUMNS.map(([, h]) => h).join(' | ')} |`);
  lines.push(`|${COLUMNS.map(() => '---').join('|')}|`);
  for (const row of ws.rows) {
    lines.push(
      `| ${COLUMNS.map(([k]) => (k === 'neededBy' ? neededByText(row.neededBy) : String(row[k]))).join(' | ')} |`,
    );
  }
  lines.push('');
  lines.push(
    `- **Stateful firewall** (security group, NSG, conntrack): rules ${stateful.join(', ')} only; replies are allowed by state.`,
  );
  lines.push('- **Stateless firewall** (network ACL, plain packet filter): every rule, including the replies.');
  lines.push('- Everything is TCP. Open nothing on UDP.');
  lines.push(
    '- Do not rely on an FTP helper or ALG (`nf_conntrack_ftp`, "FTP inspection"): the control channel is encrypted, so it cannot see the data ports.',
  );
  const pasv = o.passivePorts;
  lines.push(
    `- The server must use the same passive range: vsftpd \`pasv_min_port=${pasv.from}\` \`pasv_max_port=${pasv.to}\`, ProFTPD \`PassivePorts ${pasv.from} ${pasv.to}\`, Pure-FTPd \`-p ${pasv.from}:${pasv.to}\`. Behind NAT, also advertise the public address (vsftpd \`pasv_address\`, ProFTPD \`MasqueradeAddress\`, Pure-FTPd \`-P\`).`,
  );
  lines.push('', ...capacitySection(ws));
  if (ws.diagnostics.length > 0) {
    lines.push('', '## Warnings', '');
    for (const d of ws.diagnostics) lines.push(`- \`${d.id}\`: ${d.message}`);
  }
  return lines.join('\n') + '\n';
}

function renderCsv(ws: Worksheet): string {
  const quote = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const header = COLUMNS.map(([k]) => (k === 'rule' ? 'rule' : k)).join(',');
  const body = ws.rows.map((row) => COLUMNS.map(([k]) => quote(String(row[k]))).join(','));
  return [header, ...body].join('\r\n') + '\r\n';
}

/** The ports a daemon needs for `clients` at once, or that no range carries them. */
const portsText = (daemon: PassiveCapacity['daemon'], clients: number) =>
  String(portsForClients(daemon, clients) ?? 'no range');

/** "What the passive range carries": the seed question's second half, in plain words and one row per daemon. */
function capacitySection(ws: Worksheet): string[] {
  const o = ws.options;
  const n = portCount(o.passivePorts);
  const carry = ws.capacity
    .map(
      (c) =>
        `${sessionsCarried(c.daemon, n)} with ${DAEMON_NAMES[c.daemon]}${c.sessionCap === undefined ? ' (which cannot be capped there: a second transfer at once gets 425)' : ''}`,
    )
    .join(', ');
  const lines = ['## What the passive range carries', ''];
  lines.push(
    `${n} passive port${n === 1 ? '' : 's'}: up to ${carry} at once, with the session caps the configurations of ftps-constructs set. ` +
      'More clients are refused at login (421 or 530) and must retry; none loses a transfer half-way. ' +
      'A port is held from the passive reply until the server accepts the data connection: ' +
      `clients that hold it ${DEFAULT_HOLD_SECONDS} s (curl) start at most the rate below; lftp and python's ftplib hold it about a millisecond.`,
  );
  const wanted = o.concurrentClients;
  if (wanted !== undefined) {
    const needs = ws.capacity.map((c) => `${DAEMON_NAMES[c.daemon]} ${portsText(c.daemon, wanted)}`);
    lines.push(
      '',
      `You need ${wanted} client${wanted === 1 ? '' : 's'} at once: that takes ${needs.join(', ')} passive ports.`,
    );
  } else if (ws.capacity.some((c) => (c.sessionCap ?? 0) < 10)) {
    const ten = ws.capacity.map((c) => `${DAEMON_NAMES[c.daemon]} ${portsText(c.daemon, 10)}`);
    lines.push('', `For 10 clients at once, widen the range to ${ten.join(', ')} ports.`);
  }
  lines.push(
    '',
    '| Daemon | Clients at once (cap) | Setting | Beyond the cap | Without the cap, when the range runs out | Transfer starts/s at most |',
    '|---|---|---|---|---|---|',
  );
  for (const c of ws.capacity) {
    lines.push(
      `| ${DAEMON_NAMES[c.daemon]} | ${c.sessionCap ?? 'no cap'} | ${c.capSetting ? `\`${c.capSetting}\`` : 'none possible'} | refused: \`${c.refusal}\` | ${c.exhaustion} | ${c.startsPerSecond.toFixed(1)} |`,
    );
  }
  lines.push(
    '',
    'Clients that retry a refused login: a curl loop (`until curl ...; do sleep 1; done`: `--retry` does not retry these), lftp `set net:max-retries 0; set net:reconnect-interval-base 1` (a 530 "maximum number" is retried by lftp\'s `ftp:retry-530`), or a loop around python\'s `ftplib` login. Bound the retries by time, not by a count.',
  );
  return lines;
}
