// `ftps-rules probe --concurrency N`: N sessions at once against a live server, through the real firewall. Each logs
// in and asks for a passive port; all then hold their ports together (a barrier) before connecting, as N clients
// starting a transfer at the same moment do, so a range that cannot carry N shows it every time. Each session's
// outcome is classified by its cause, and the diagnosis names the fix (the session cap, or the range for N).
import { Client, FTPError } from 'basic-ftp';
import { parseEpsvResponse } from 'basic-ftp/dist/transfer';
import * as net from 'node:net';
import * as tls from 'node:tls';
import {
  DAEMON_NAMES,
  Diagnostic,
  FTP_DAEMONS,
  type FtpDaemon,
  formatPorts,
  passiveCapacity,
  portCount,
  portsForClients,
  rangeContains,
} from '../../core';
import { Diagnose } from '../../core/internal';
import { CAP_REFUSAL, ProbeOptions, listOver, tcpConnect } from './probe';

/** How one of the sessions ended. */
export type SessionOutcome =
  /** Logged in, opened the data connection and listed. */
  | 'ok'
  /** Refused at connect or login by a session cap (421, or 530 "maximum / too many"). */
  | 'refused'
  /** vsftpd's bind failure: "500 OOPS" in clear text on the TLS control connection, the session ended. */
  | 'bindFailure'
  /** The server offered a data port outside the declared range. */
  | 'outsideRange'
  /** A step got no answer within the timeout. */
  | 'timeout'
  /** Anything else (the detail says what). */
  | 'error';

export interface LoadSession {
  readonly session: number;
  readonly outcome: SessionOutcome;
  /** The step the session ended at (connect, login, EPSV, data, LIST). */
  readonly step: string;
  readonly port?: number;
  readonly ms: number;
  readonly detail: string;
}

export interface ProbeLoadReport {
  readonly target: string;
  readonly ok: boolean;
  readonly concurrency: number;
  /** The daemon, when its greeting names it. */
  readonly daemon?: FtpDaemon;
  readonly outcomes: Record<SessionOutcome, number>;
  readonly sessions: LoadSession[];
  readonly diagnoses: Diagnostic[];
}

const since = (t: number) => Math.round(performance.now() - t);
const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();
const message = (e: unknown) => oneLine(e instanceof Error ? e.message : String(e));

/** Runs `concurrency` sessions at once and diagnoses what the passive range did with them. */
export async function probeLoad(o: ProbeOptions, concurrency: number): Promise<ProbeLoadReport> {
  const tlsOptions: tls.ConnectionOptions = {
    rejectUnauthorized: false,
    servername: net.isIP(o.host) ? undefined : o.host,
    maxVersion: o.tlsMaxVersion,
  };
  let greeting = '';
  // The barrier: every session that got a passive port waits until each other one has one too, or has ended.
  let pending = concurrency;
  const waiters: Array<() => void> = [];
  const arrive = () => {
    pending--;
    if (pending <= 0) for (const w of waiters.splice(0)) w();
  };
  const barrier = () =>
    new Promise<void>((resolve) => {
      if (pending <= 0) resolve();
      else {
        // Bounded: a session stuck in login does not hold the others; unref'd, so it never keeps the process alive.
        const timer = setTimeout(resolve, o.timeoutMs * 2);
        timer.unref();
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      }
    });

  const one = async (session: number): Promise<LoadSession> => {
    const t = performance.now();
    const client = new Client(o.timeoutMs);
    let step = 'connect';
    let port: number | undefined;
    let arrived = false;
    const end = (outcome: SessionOutcome, detail: string): LoadSession => {
      if (!arrived) {
        arrived = true;
        arrive();
      }
      return { session, outcome, step, port, ms: since(t), detail };
    };
    try {
      try {
        if (o.tls === 'implicit') {
          const res = await client.connectImplicitTLS(o.host, o.port, tlsOptions);
          greeting ||= res.message;
        } else {
          const res = await client.connect(o.host, o.port);
          greeting ||= res.message;
          step = 'TLS';
          await client.useTLS(tlsOptions);
        }
        step = 'login';
        await client.login(o.user, o.password);
        await client.send('PBSZ 0');
        await client.send('PROT P');
        await client.send('TYPE I');
        step = 'EPSV';
        const res = await client.send('EPSV');
        port = parseEpsvResponse(res.message);
      } catch (e) {
        return end(classify(e, step), message(e));
      }
      const offered = port;
      arrived = true;
      arrive();
      await barrier();
      if (o.passive && !rangeContains(o.passive, offered)) {
        // Still try it: through a firewall that opens the range only, it times out, as the client's would.
        step = 'data';
        const reach = await tcpConnect(o.host, offered, o.timeoutMs);
        return end('outsideRange', `port ${offered} is outside ${formatPorts(o.passive)}: ${reach.detail}`);
      }
      step = 'data';
      const data = await tcpConnect(o.host, offered, o.timeoutMs, true);
      if (!data.socket) return end(/timed out/.test(data.detail) ? 'timeout' : 'error', data.detail);
      step = 'LIST';
      const resumed = (client.ftp.socket as tls.TLSSocket).getSession();
      const listed = await listOver(client, data.socket, o, tlsOptions, resumed);
      return end('ok', listed);
    } catch (e) {
      return end(classify(e, step), message(e));
    } finally {
      client.close();
    }
  };

  const sessions = await Promise.all(Array.from({ length: concurrency }, (_, i) => one(i + 1)));
  return diagnoseLoad(o, sessions, daemonOf(greeting));
}

/** Counts the sessions' outcomes and diagnoses them (the fix names the daemon's cap and range when known). */
export function diagnoseLoad(
  o: Pick<ProbeOptions, 'host' | 'port' | 'passive' | 'timeoutMs'>,
  sessions: LoadSession[],
  daemon: FtpDaemon | undefined,
): ProbeLoadReport {
  const concurrency = sessions.length;
  const target = `${o.host}:${o.port}`;
  const outcomes: Record<SessionOutcome, number> = {
    ok: 0,
    refused: 0,
    bindFailure: 0,
    outsideRange: 0,
    timeout: 0,
    error: 0,
  };
  for (const s of sessions) outcomes[s.outcome]++;
  const diagnoses = diagnose(o, concurrency, outcomes, sessions, daemon);
  return { target, ok: outcomes.ok === concurrency, concurrency, daemon, outcomes, sessions, diagnoses };
}

function classify(e: unknown, step: string): SessionOutcome {
  const text = message(e);
  if (e instanceof FTPError && (e.code === 421 || (e.code === 530 && CAP_REFUSAL.test(text)))) return 'refused';
  if (/OOPS/.test(text)) return 'bindFailure';
  // vsftpd's OOPS line read as a TLS record ("500 " is no record: OpenSSL says "wrong version number", or from 3.2 on
  // under TLS 1.3 "bad record type"), or the session closed right after the passive command.
  if (
    step === 'EPSV' &&
    /wrong version number|bad record type|packet length too long|ECONNRESET|closed|ended/i.test(text)
  )
    return 'bindFailure';
  if (/timeout|timed out/i.test(text)) return 'timeout';
  return 'error';
}

/** The daemon a greeting names (vsftpd "(vsFTPd 3.0.3)", "ProFTPD Server", "Welcome to Pure-FTPd"), if any. */
export function daemonOf(greeting: string): FtpDaemon | undefined {
  if (/vsftpd/i.test(greeting)) return 'vsftpd';
  if (/proftpd/i.test(greeting)) return 'proftpd';
  if (/pure-?ftpd/i.test(greeting)) return 'pure-ftpd';
  return undefined;
}

const NAMES = DAEMON_NAMES;

function diagnose(
  o: Pick<ProbeOptions, 'passive' | 'timeoutMs'>,
  n: number,
  outcomes: Record<SessionOutcome, number>,
  sessions: LoadSession[],
  daemon: FtpDaemon | undefined,
): Diagnostic[] {
  const found: Diagnostic[] = [];
  const range = o.passive;
  const ports = range ? portCount(range) : undefined;
  const daemons = daemon ? [daemon] : [...FTP_DAEMONS];
  // The fix for n clients at once: the range each daemon needs, and the cap that keeps the declared one lossless.
  const widen = daemons
    .map((d) => `${daemon ? '' : `${NAMES[d]} `}${portsForClients(d, n) ?? 'no range of'} ports`)
    .join(', ');
  const capFix = (d: FtpDaemon) => {
    const c = ports === undefined ? undefined : passiveCapacity(d, ports);
    return c?.capSetting ? `${NAMES[d]} \`${c.capSetting}\`` : undefined;
  };
  const caps = daemons.map(capFix).filter((x): x is string => x !== undefined);
  const lost = outcomes.bindFailure + outcomes.outsideRange;
  if (lost > 0) {
    const parts = [
      ...(outcomes.bindFailure > 0
        ? [
            `${outcomes.bindFailure} ended with vsftpd's bind failure ("500 OOPS" in clear text on the TLS connection: every port it drew was held)`,
          ]
        : []),
      ...(outcomes.outsideRange > 0
        ? [
            `${outcomes.outsideRange} were offered a data port outside the range (${[...new Set(sessions.filter((s) => s.outcome === 'outsideRange').map((s) => s.port))].join(', ')}), as ProFTPD does when every port in it is held, and the firewall dropped them`,
          ]
        : []),
    ];
    found.push(
      Diagnose.probeRangeExhausted(
        `${n} sessions at once exhausted the passive range${range ? ` ${formatPorts(range)} (${ports} ports)` : ''}: ${parts.join('; ')}. Those transfers are lost, not refused.`,
        `cap sessions so a port is always free${caps.length ? ` (${caps.join(', ')}: the caps ftps-constructs renders for this range)` : ''}: excess clients are then refused at login and retry; or widen the range to ${widen} for ${n} clients at once.`,
      ),
    );
  }
  if (outcomes.refused > 0) {
    const admitted = n - outcomes.refused;
    found.push(
      Diagnose.probeSessionsRefused(
        `${outcomes.refused} of ${n} sessions were refused at connect or login by the server's session cap (${admitted} got in): clients beyond it must retry until a session ends.`,
        `for ${n} clients at once without waiting, widen the range to ${widen} (and configure the same range in the firewall); otherwise use clients that retry a refused login (a curl loop, lftp net:max-retries 0).`,
      ),
    );
  }
  if (outcomes.timeout > 0) {
    const steps = [...new Set(sessions.filter((s) => s.outcome === 'timeout').map((s) => s.step))];
    // Connects that time out while the server refuses others: its listen backlog is full (Pure-FTPd listens with a
    // backlog of 3 + cap / 8), so the kernel drops their SYNs; they would get in, or be refused, on a retry.
    const backlog = outcomes.refused > 0 && steps.every((step) => step === 'connect');
    found.push(
      Diagnose.probeLoadTimeout(
        backlog
          ? `${outcomes.timeout} of ${n} sessions timed out connecting while the server was refusing others: its listen backlog was full (Pure-FTPd listens with a backlog of 3 + its cap / 8), so their connection requests were dropped, not refused.`
          : `${outcomes.timeout} of ${n} sessions timed out (${steps.join(', ')}) after ${o.timeoutMs} ms.`,
        backlog
          ? 'clients that retry get in as sessions end; the backlog grows with the cap, so a wider range also helps.'
          : 'probe again with a longer --timeout; if data connections time out, the firewall drops some passive ports (probe without --concurrency to see which).',
      ),
    );
  }
  return found;
}

/** Markdown or JSON. */
export function renderProbeLoad(r: ProbeLoadReport, format: 'md' | 'json'): string {
  if (format === 'json') return JSON.stringify(r, null, 2) + '\n';
  const lines = [
    `# FTPS probe: ${r.target}, ${r.concurrency} sessions at once — ${r.ok ? 'all worked' : 'NOT all worked'}`,
    '',
    `Server: ${r.daemon ? NAMES[r.daemon] : 'not named in its greeting'}.`,
    '',
    '| outcome | sessions |',
    '|---|---|',
    ...Object.entries(r.outcomes).map(([k, v]) => `| ${k} | ${v} |`),
    '',
    '| session | outcome | step | port | time | detail |',
    '|---|---|---|---|---|---|',
    ...r.sessions.map(
      (s) =>
        `| ${s.session} | ${s.outcome} | ${s.step} | ${s.port ?? ''} | ${s.ms} ms | ${s.detail.replace(/\|/g, '\\|')} |`,
    ),
    '',
    r.diagnoses.length ? '## Diagnosis' : 'No problem found.',
    ...r.diagnoses.map((d) => `- **${d.level}** \`${d.id}\`: ${d.message}`),
  ];
  return lines.join('\n') + '\n';
}
