import { parseArgs } from 'node:util';
import {
  FtpsTls,
  FtpsValidationError,
  PortRange,
  buildWorksheet,
  formatDiagnostic,
  parsePortRange,
  planFtps,
  renderWorksheet,
} from '../core';
import { PropChecker, checkControlPort, defaultControlPort, throwOnErrors } from '../core/internal';
import { probeLoad, renderProbeLoad } from './probe/load';
import { ProbeOptions, probe, renderProbe } from './probe/probe';
import { InputError, readOpenings } from './report/read';
import { FailOn, ReportFormat, diffOpenings, renderDiff, renderReport, violations } from './report/render';

/** Where the CLI writes; injectable for tests. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Bad command-line input: printed as one line, exit code 2. */
export class UsageError extends Error {}

export const EXIT_OK = 0;
export const EXIT_USAGE = 2;

const MAIN_HELP = `ftps-rules: what to open in a firewall for FTPS, and what a synthesized template opens.

Usage:
  ftps-rules worksheet --passive FROM-TO [options]   the rules a firewall needs for an FTPS server
  ftps-rules report <cdk.out | cdktf.out | template.json> [--format md|json|csv] [--diagram]
                                                     every opening in synthesized output
  ftps-rules diff <before> <after> [--fail-on world|wide|added|none]
                                                     openings added, removed, changed (exit 1 on policy)
  ftps-rules probe <host> --user NAME [--passive FROM-TO] [options]
                                                     a real FTPS session through the real firewall
  ftps-rules help [verb]

Run 'ftps-rules <verb> --help' for a verb's options.
`;

const PROBE_HELP = `ftps-rules probe: run a real FTPS session against a server and explain what fails.

Usage:
  ftps-rules probe <host> --user NAME [--passive 50000-50004] [options]

Options:
  --port N                control port (default 21 explicit, 990 implicit)
  --tls explicit|implicit how TLS starts (default explicit)
  --user NAME             the login (required)
  --password PASSWORD     the password; better: the FTPS_PASSWORD environment variable. Never printed.
  --passive FROM-TO       the passive range you believe is configured and open
  --attempts N            data connections per passive command, EPSV and PASV each (default 3)
  --timeout SECONDS       per connection (default 5)
  --tls-max 1.2|1.3       highest TLS version to offer (default 1.3)
  --concurrency N         load mode: N sessions at once (1-500), each holding a passive port at the same moment;
                          reports each failure by cause (refused at login, vsftpd "500 OOPS" bind failure, a port
                          outside --passive, a timeout) and the range or session cap that carries N
  --format md|json        output (default md)

Exit codes: 0 the session works end to end (load mode: every session), 1 it does not (with the diagnosis),
2 bad input, 3 an internal error.
`;

const REPORT_HELP = `ftps-rules report: every opening in synthesized security groups, network ACLs and NSG rules.

Usage:
  ftps-rules report <cdk.out | cdktf.out | template.json> [--format md|json|csv] [--diagram]

Reads any rule, not only those made by ftps-constructs. Flags rules open to the world and inbound
ranges wider than ${1000} ports. --diagram adds a Mermaid flowchart (rendered by GitHub in a PR comment).
Exit codes: 0 printed, 2 bad input, 3 an internal error.
`;

const DIFF_HELP = `ftps-rules diff: openings added, removed and changed between two synthesized outputs (Markdown).

Usage:
  ftps-rules diff <before> <after> [--fail-on world|wide|added|none] ...

--fail-on (repeatable or comma-separated; default world): exit 1 when a new or changed opening is
world-open (world), inbound wider than 1000 ports (wide), or anything new at all (added).
Exit codes: 0 no violation, 1 policy violated, 2 bad input, 3 an internal error.
`;

const WORKSHEET_HELP = `ftps-rules worksheet: the firewall rules an FTPS server needs, one row per rule.

Usage:
  ftps-rules worksheet --passive 50000-50004 [--client 203.0.113.0/24 ...] [options]

Options:
  --passive FROM-TO       passive data port range configured on the server (required)
  --tls explicit|implicit how TLS starts (default explicit)
  --control-port N        control port (default 21 explicit, 990 implicit)
  --active                also allow active mode (server connects back from control port - 1)
  --client CIDR           a client network or address; repeat for several (default: any)
  --client-ports FROM-TO  the clients' ephemeral port range (default 1024-65535)
  --concurrent-clients N  clients that must transfer at the same moment: warns when the range does not carry them
  --server ADDR           the server's address as the firewall sees it
  --backends N            the server is a fleet of N behind a layer-4 load balancer: adds which port the
                          balancer forwards to which backend, and each backend's own passive ports
  --ports-per-backend N   passive ports per backend, from the start of --passive (default: split evenly)
  --format md|csv|json    output format (default md)
  -h, --help              this help

Exit codes: 0 printed, 2 bad input, 3 an internal error.
`;

const VERB_HELP: Record<string, string> = {
  worksheet: WORKSHEET_HELP,
  report: REPORT_HELP,
  diff: DIFF_HELP,
  probe: PROBE_HELP,
};

/** Runs the CLI; returns the exit code (a promise for probe). Never calls process.exit, so tests can drive it. */
export function run(argv: readonly string[], io: CliIo): number;
export function run(argv: readonly string[], io: CliIo): number | Promise<number>;
export function run(argv: readonly string[], io: CliIo): number | Promise<number> {
  try {
    const [verb, ...rest] = argv;
    switch (verb) {
      case undefined:
      case 'help':
      case '-h':
      case '--help':
        io.stdout(VERB_HELP[rest[0]] ?? MAIN_HELP);
        return EXIT_OK;
      case 'worksheet':
        return worksheet(rest, io);
      case 'report':
        return report(rest, io);
      case 'diff':
        return diff(rest, io);
      case 'probe':
        return probeVerb(rest, io);
      default:
        throw new UsageError(
          `unknown verb ${JSON.stringify(verb)}: expected worksheet, report, diff or probe (see ftps-rules --help)`,
        );
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof FtpsValidationError || e instanceof InputError) {
      io.stderr(`ftps-rules: ${oneLine(e)}\n`);
      return EXIT_USAGE;
    }
    // A bug of ours, never a trace a CI log has to be scrolled through: one line, its own exit code.
    io.stderr(
      `ftps-rules: internal error: ${oneLine(e instanceof Error ? e : new Error(String(e)))} (please report it)\n`,
    );
    return EXIT_INTERNAL;
  }
}

/** An error of ftps-rules itself (not of the input): exit 3. */
export const EXIT_INTERNAL = 3;

function worksheet(args: readonly string[], io: CliIo): number {
  const { values } = parseOptions(args, {
    passive: { type: 'string' },
    tls: { type: 'string' },
    'control-port': { type: 'string' },
    active: { type: 'boolean' },
    client: { type: 'string', multiple: true },
    'client-ports': { type: 'string' },
    'concurrent-clients': { type: 'string' },
    server: { type: 'string' },
    backends: { type: 'string' },
    'ports-per-backend': { type: 'string' },
    format: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout(WORKSHEET_HELP);
    return EXIT_OK;
  }
  if (values.passive === undefined) {
    throw new UsageError(
      '--passive is required: the passive port range configured on the server, e.g. --passive 50000-50004',
    );
  }
  const format = (values.format as string | undefined) ?? 'md';
  if (format !== 'md' && format !== 'csv' && format !== 'json') {
    throw new UsageError(`--format ${JSON.stringify(format)} is not one of md, csv, json`);
  }
  if (values.backends === undefined && values['ports-per-backend'] !== undefined) {
    throw new UsageError('--ports-per-backend needs --backends N (how many servers share the passive range)');
  }
  const ws = buildWorksheet({
    options: {
      tls: parseTls(values.tls as string | undefined),
      controlPort:
        values['control-port'] === undefined
          ? undefined
          : parsePort('--control-port', values['control-port'] as string),
      passivePorts: parseRange('--passive', values.passive as string),
      activeMode: values.active === true,
      clientPorts:
        values['client-ports'] === undefined
          ? undefined
          : parseRange('--client-ports', values['client-ports'] as string),
      concurrentClients:
        values['concurrent-clients'] === undefined
          ? undefined
          : parseCount('--concurrent-clients', values['concurrent-clients'] as string),
    },
    clients: (values.client as string[] | undefined) ?? [],
    server: values.server as string | undefined,
    ...(values.backends === undefined
      ? {}
      : {
          fleet: {
            backends: parseCount('--backends', values.backends as string),
            passivePortsPerBackend:
              values['ports-per-backend'] === undefined
                ? undefined
                : parseCount('--ports-per-backend', values['ports-per-backend'] as string),
          },
        }),
  });
  io.stdout(renderWorksheet(ws, format));
  if (format === 'csv') {
    for (const d of ws.diagnostics) io.stderr(`warning ${d.id}: ${d.message}\n`);
  }
  return EXIT_OK;
}

export const EXIT_POLICY = 1;

function report(args: readonly string[], io: CliIo): number {
  const { values, positionals } = parseOptions(
    args,
    { format: { type: 'string' }, diagram: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    true,
  );
  if (values.help) {
    io.stdout(REPORT_HELP);
    return EXIT_OK;
  }
  if (positionals.length !== 1)
    throw new UsageError('report takes one path: a cdk.out or cdktf.out directory, or a template file');
  const format = (values.format as string | undefined) ?? 'md';
  if (format !== 'md' && format !== 'csv' && format !== 'json')
    throw new UsageError(`--format ${JSON.stringify(format)} is not one of md, json, csv`);
  io.stdout(
    renderReport(readOpenings(positionals[0]), format as ReportFormat, positionals[0], values.diagram === true),
  );
  return EXIT_OK;
}

function diff(args: readonly string[], io: CliIo): number {
  const { values, positionals } = parseOptions(
    args,
    { 'fail-on': { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
    true,
  );
  if (values.help) {
    io.stdout(DIFF_HELP);
    return EXIT_OK;
  }
  if (positionals.length !== 2) throw new UsageError('diff takes two paths: <before> <after>');
  const policies = ((values['fail-on'] as string[] | undefined) ?? ['world']).flatMap((p) => p.split(','));
  for (const p of policies) {
    if (!['world', 'wide', 'added', 'none'].includes(p))
      throw new UsageError(`--fail-on ${JSON.stringify(p)} is not one of world, wide, added, none`);
  }
  const [before, after] = positionals;
  const d = diffOpenings(readOpenings(before), readOpenings(after));
  const bad = violations(d, policies as FailOn[]);
  io.stdout(renderDiff(d, before, after, bad));
  return bad.length > 0 ? EXIT_POLICY : EXIT_OK;
}

/** The most sessions `probe --concurrency` opens at once (each is a TCP and TLS connection from this machine). */
const MAX_PROBE_CONCURRENCY = 500;

function probeVerb(args: readonly string[], io: CliIo): number | Promise<number> {
  const { values, positionals } = parseOptions(
    args,
    {
      port: { type: 'string' },
      tls: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      passive: { type: 'string' },
      attempts: { type: 'string' },
      timeout: { type: 'string' },
      'tls-max': { type: 'string' },
      concurrency: { type: 'string' },
      format: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help) {
    io.stdout(PROBE_HELP);
    return EXIT_OK;
  }
  if (positionals.length !== 1) throw new UsageError('probe takes one host (an address or a name)');
  if (positionals[0].trim() === '')
    throw new UsageError('probe takes a host: an empty one would connect to this machine (give an address or a name)');
  const tlsMode = parseTls(values.tls as string | undefined) === FtpsTls.IMPLICIT ? 'implicit' : 'explicit';
  const user = values.user as string | undefined;
  if (!user) throw new UsageError('--user is required (the password comes from --password or FTPS_PASSWORD)');
  const password = (values.password as string | undefined) ?? process.env.FTPS_PASSWORD;
  if (password === undefined) throw new UsageError('no password: pass --password or set FTPS_PASSWORD');
  const format = (values.format as string | undefined) ?? 'md';
  if (format !== 'md' && format !== 'json')
    throw new UsageError(`--format ${JSON.stringify(format)} is not one of md, json`);
  const int = (flag: string, v: unknown, def: number, min: number, max: number) => {
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new UsageError(`${flag} ${JSON.stringify(v)} must be an integer from ${min} to ${max}`);
    return n;
  };
  const tlsMax = values['tls-max'] as string | undefined;
  if (tlsMax !== undefined && tlsMax !== '1.2' && tlsMax !== '1.3')
    throw new UsageError(`--tls-max ${JSON.stringify(tlsMax)} is not one of 1.2, 1.3`);
  const passive = values.passive === undefined ? undefined : parseRange('--passive', values.passive as string);
  const port = values.port === undefined ? undefined : parsePort('--port', values.port as string);
  const checked = probeTarget(tlsMode === 'implicit' ? FtpsTls.IMPLICIT : FtpsTls.EXPLICIT, port, passive);
  const options: ProbeOptions = {
    host: positionals[0],
    port: checked.port,
    passive: checked.passive,
    tls: tlsMode,
    user,
    password,
    attempts: int('--attempts', values.attempts, 3, 1, 100),
    timeoutMs: int('--timeout', values.timeout, 5, 1, 300) * 1000,
    tlsMaxVersion: tlsMax === '1.2' ? 'TLSv1.2' : undefined,
  };
  if (values.concurrency !== undefined) {
    const n = int('--concurrency', values.concurrency, 1, 1, MAX_PROBE_CONCURRENCY);
    return probeLoad(options, n).then((report) => {
      io.stdout(renderProbeLoad(report, format));
      return report.ok ? EXIT_OK : EXIT_POLICY;
    });
  }
  return probe(options).then((report) => {
    io.stdout(renderProbe(report, format));
    return report.ok ? EXIT_OK : EXIT_POLICY;
  });
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

function parseOptions(args: readonly string[], options: OptionSpec, allowPositionals = false) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]);
  }
}

function parseTls(value: string | undefined): FtpsTls | undefined {
  if (value === undefined) return undefined;
  if (value === 'explicit') return FtpsTls.EXPLICIT;
  if (value === 'implicit') return FtpsTls.IMPLICIT;
  throw new UsageError(`--tls ${JSON.stringify(value)} is not one of explicit, implicit`);
}

function parseRange(flag: string, text: string): PortRange {
  const range = parsePortRange(text);
  if (!range)
    throw new UsageError(
      `${flag} ${JSON.stringify(text)} is not a port range: write FROM-TO, e.g. ${flag} 50000-50004`,
    );
  return range;
}

function parseCount(flag: string, text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag} ${JSON.stringify(text)} is not a whole number`);
  return Number(text);
}

function parsePort(flag: string, text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag} ${JSON.stringify(text)} is not a port number`);
  return Number(text);
}

/**
 * The control port and passive range the probe checks against, by the core's rules: with a range, the whole FTPS
 * plan (the range, its order, its overlap with the control port); the control port's default and range always.
 */
function probeTarget(tls: FtpsTls, port: number | undefined, passive: PortRange | undefined) {
  if (passive !== undefined) {
    const plan = planFtps({ tls, controlPort: port, passivePorts: passive }, { context: 'probe' });
    return { port: plan.options.controlPort, passive: plan.options.passivePorts };
  }
  if (port === undefined) return { port: defaultControlPort(tls), passive: undefined };
  const c = new PropChecker();
  const checked = checkControlPort(c, '--port', port);
  throwOnErrors(c.found, 'probe');
  return { port: checked!, passive: undefined };
}

function oneLine(e: Error): string {
  if (e instanceof FtpsValidationError) return e.diagnostics.map(formatDiagnostic).join(' | ');
  return e.message.replace(/\s*\n\s*/g, ' ');
}
