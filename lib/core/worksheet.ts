import { hostOrCidr, parseClientCidr, validateClientCidrs, worldOpenWarning } from './addresses';
import {
  DAEMON_NAMES,
  DEFAULT_HOLD_SECONDS,
  PassiveCapacity,
  passiveCapacity,
  portsForClients,
  sessionsCarried,
  sessionCap,
} from './capacity';
import { Diagnose, Diagnostic, DiagnosticIds, FtpsValidationError } from './diagnostics';
import { Side } from './flows';
import { FtpsOptions, FtpsTls, PortRange, ResolvedFtpsOptions, formatPorts, portCount } from './ftps-options';
import { FtpsFleetPlan, FtpsFleetShape, planFleet } from './fleet';
import { planFtps } from './plan';
import { PropChecker, describeValue } from './private/checks';
import { Direction, statelessServerRules } from './projections';
import { FTP_DAEMONS } from './vsftpd-boot';
import type { FtpDaemon } from './vsftpd-boot';

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
  /**
   * The server is a fleet behind a layer-4 load balancer (an on-premises one, or any the library does not build):
   * the worksheet adds which port the balancer forwards where, and each backend's own range and rules.
   * @default one server
   */
  readonly fleet?: FtpsFleetShape;
}

/** A fleet in a worksheet: each backend's sub-range, and where the balancer sends each port. */
export interface WorksheetFleet {
  readonly backends: ReadonlyArray<{
    readonly index: number;
    readonly passivePorts: PortRange;
    /** Sessions at once it admits with each daemon's rendered cap. */
    readonly sessionCaps: Readonly<Record<FtpDaemon, number | undefined>>;
  }>;
  /** Control port first (to every backend), then each backend's sub-range (each port to the same port). */
  readonly forwarding: ReadonlyArray<{ readonly ports: PortRange; readonly to: 'all' | number }>;
  readonly unusedPorts: PortRange | undefined;
  readonly sessionsCarried: Readonly<Record<FtpDaemon, number>>;
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
  /** The fleet, when the worksheet is drawn for one. */
  readonly fleet?: WorksheetFleet;
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
    { diagnose: Diagnose.missingProps, fix: 'pass { options, clients?, server?, fleet? }.' },
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
  const fleetPlan =
    p?.fleet === undefined
      ? undefined
      : planFleet(p.options as FtpsOptions, p.fleet as FtpsFleetShape, { context: 'worksheet' });
  const fleet = fleetPlan ? worksheetFleet(fleetPlan) : undefined;
  // A fleet's range is shared by its backends: what it carries is said per backend (the fleet plan's warnings).
  const diagnostics = fleetPlan
    ? [...warnings.filter((w) => w.id !== DiagnosticIds.SMALL_PASSIVE_RANGE), ...fleetPlan.diagnostics]
    : warnings;
  return {
    options,
    clients: clients.length > 0 ? clients : [ANY],
    server,
    rows,
    capacity,
    diagnostics,
    ...(fleet ? { fleet } : {}),
  };
}

/** The fleet's plan as the worksheet shows it (a generic balancer: no cloud's limit applies). */
function worksheetFleet(plan: FtpsFleetPlan): WorksheetFleet {
  return {
    backends: plan.backends.map((b) => ({
      index: b.index,
      passivePorts: b.passivePorts,
      sessionCaps: {
        vsftpd: sessionCap('vsftpd', portCount(b.passivePorts)),
        proftpd: sessionCap('proftpd', portCount(b.passivePorts)),
        'pure-ftpd': sessionCap('pure-ftpd', portCount(b.passivePorts)),
      },
    })),
    forwarding: [
      { ports: { from: plan.healthCheckPort, to: plan.healthCheckPort }, to: 'all' },
      ...plan.backends.map((b) => ({ ports: b.passivePorts, to: b.index })),
    ],
    unusedPorts: plan.unusedPorts,
    sessionsCarried: plan.sessionsCarried,
  };
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
  // One server: what its range carries; a fleet: what each backend's carries, in the fleet section.
  lines.push('', ...(ws.fleet ? fleetSection(ws, ws.fleet) : capacitySection(ws)));
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

/** "Behind a load balancer": which port goes where, and what each backend must be configured with. */
function fleetSection(ws: Worksheet, fleet: WorksheetFleet): string[] {
  const o = ws.options;
  const n = fleet.backends.length;
  const lines = [`## Behind a load balancer: ${n} backend${n === 1 ? '' : 's'}`, ''];
  lines.push(
    'A load balancer picks a backend per connection, so a session’s data connection must be forwarded to the backend that ' +
      'sent the passive reply: each backend serves its own passive ports, and the balancer forwards each of those ports to ' +
      'that backend only (the same port number on both sides). Only the control port is balanced. Plain TCP forwarding: no ' +
      'TLS termination, no FTP helper.',
    '',
    '| Balancer port | Forward to | Health check |',
    '|---|---|---|',
  );
  for (const f of fleet.forwarding) {
    lines.push(
      f.to === 'all'
        ? `| TCP ${formatPorts(f.ports)} (control) | every backend, balanced | TCP connect to ${o.controlPort} |`
        : `| TCP ${formatPorts(f.ports)} (passive, each port to the same port) | backend ${f.to} only | that backend’s TCP ${o.controlPort} |`,
    );
  }
  if (fleet.unusedPorts)
    lines.push(
      '',
      `Ports ${formatPorts(fleet.unusedPorts)} of the range are not used: forward and open nothing there.`,
    );
  lines.push(
    '',
    '| Backend | Passive ports (its server configuration) | Clients at once: vsftpd, ProFTPD, Pure-FTPd |',
    '|---|---|---|',
  );
  for (const b of fleet.backends) {
    const caps = FTP_DAEMONS.map((d) => String(b.sessionCaps[d] ?? 'no cap')).join(', ');
    lines.push(
      `| ${b.index} | ${formatPorts(b.passivePorts)} (vsftpd \`pasv_min_port=${b.passivePorts.from}\` \`pasv_max_port=${b.passivePorts.to}\`) | ${caps} |`,
    );
  }
  const total = FTP_DAEMONS.map((d) => `${fleet.sessionsCarried[d]} with ${DAEMON_NAMES[d]}`).join(', ');
  lines.push(
    '',
    `- Every backend advertises the **balancer’s public address** in its passive replies (vsftpd \`pasv_address\`, ProFTPD \`MasqueradeAddress\`, Pure-FTPd \`-P\`).`,
    `- Each backend’s firewall admits the clients on TCP ${o.controlPort} and **its own** passive ports only, plus the balancer’s health checks on ${o.controlPort}. Keep the client’s address (no source NAT at the balancer) so these rules filter real clients; a balancer that rewrites it makes every client look like the balancer.`,
    '- All backends serve the same files (shared storage at the users’ root, the same users and certificate).',
    `- The fleet carries ${total} at once, with the session caps the configurations of ftps-constructs set on each backend; the balancer does not know which backend is full, so a client refused by one backend (421 or 530) retries and may land on another.`,
  );
  if (o.concurrentClients !== undefined)
    lines.push(
      `- You need ${o.concurrentClients} client${o.concurrentClients === 1 ? '' : 's'} at once: each backend is asked for ${Math.ceil(o.concurrentClients / n)} (the balancer spreads sessions evenly, not by load).`,
    );
  return lines;
}
