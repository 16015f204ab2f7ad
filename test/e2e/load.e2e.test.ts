// The seed's question under load: what 5 passive ports carry. Each daemon runs with the configuration the project
// renders (its session cap included) behind the firewall the project synthesizes, and 50 clients at once download
// 20 times each: every file arrives, the clients beyond the cap being refused at login and retrying. Without the
// cap (the one line removed), the daemon loses transfers in its own way and about as many as the core's queueing
// model predicts from the run's own timings. The documented retrying clients (lftp, a curl loop) are run too.
// Reports: test/e2e/reports/load.json and load.md. `npm run bench:load` (FTPS_LOAD_MATRIX=1) adds the capacity matrix.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { FtpsOptions, passiveCapacity, predictLoss } from '../../lib/core';
import { DaemonKind, requireDaemons, startDaemon } from './support/daemons';
import { PASSWORD, USER, Workspace } from './support/ftp';
import { LoadResult, runLoad } from './support/load';
import { e2eGate } from './support/prerequisites';
import { probeFrom } from './support/probe';
import { awsEndpointRules } from './support/servers';
import { Topology } from './support/topology';

const gate = e2eGate();
const suite = gate.run ? describe : describe.skip;
const FILE = 'load.bin';
const SEED_PORTS = { from: 50000, to: 50004 };
/** The line each daemon's cap is on, as rendered (removed for the runs without a cap). */
const CAP_LINE: Record<DaemonKind, RegExp> = {
  vsftpd: /^max_clients=\d+\n/m,
  proftpd: /^MaxClients \d+\n/m,
  'pure-ftpd': / -c \d+/,
};
/**
 * How far the measured loss of an uncapped run may be from the model's prediction (measured minus predicted,
 * absolute fractions). vsftpd: within 0.15 either way (runs of 50 sessions: -0.04 to +0.04). ProFTPD: the model
 * under-predicts (runs: +0.10 to +0.17): ProFTPD keeps its passive socket listening until the transfer ends, and its
 * sessions fall into step with each other, which a model of independent sessions does not see (BENCHMARKS.md).
 */
const MODEL_BAND: Record<'vsftpd' | 'proftpd', [number, number]> = { vsftpd: [-0.15, 0.15], proftpd: [-0.05, 0.3] };

let topo: Topology;
let ws: Workspace;
type Row = Scenario & LoadResult & { measuredLoss: number; predictedLoss?: number };
const report: Row[] = [];

/** The security group synthesized for the range, for the inside client's IPv4 network. */
const rulesFor = (options: FtpsOptions) => awsEndpointRules(options, false);

interface Scenario {
  readonly daemon: DaemonKind;
  readonly ports: number;
  readonly capped: boolean;
  readonly clients: number;
  readonly transfers: number;
  readonly holdSeconds: number;
  readonly retrySeconds: number;
  readonly session: 'per-transfer' | 'per-client';
  readonly timeoutSeconds?: number;
}

/** Runs one load behind the synthesized firewall of a range; returns the driver's result and the model's view. */
async function load(s: Scenario): Promise<LoadResult & { predictedLoss?: number; measuredLoss: number }> {
  const options: FtpsOptions = { passivePorts: { from: SEED_PORTS.from, to: SEED_PORTS.from + s.ports - 1 } };
  topo.firewall(topo.server, rulesFor(options));
  const daemon = startDaemon(s.daemon, ws, topo.server, options, {
    edit: s.capped
      ? undefined
      : (text) => {
          if (!CAP_LINE[s.daemon].test(text)) throw new Error(`no cap line in the rendered ${s.daemon} configuration`);
          return text.replace(CAP_LINE[s.daemon], '');
        },
  });
  let r: LoadResult;
  try {
    r = await runLoad({
      client: topo.inside,
      server: topo.server.v4,
      passive: options.passivePorts,
      file: FILE,
      clients: s.clients,
      transfers: s.transfers,
      holdSeconds: s.holdSeconds,
      retrySeconds: s.retrySeconds,
      session: s.session,
      timeoutSeconds: s.timeoutSeconds ?? 5,
      deadlineSeconds: 200,
    });
  } finally {
    daemon.stop();
    topo.firewall(topo.server, '');
  }
  const ok = r.delivered / Math.max(1, r.attempts);
  const measuredLoss = 1 - ok;
  let predictedLoss: number | undefined;
  if (!s.capped && r.holdMean !== null) {
    // The model's inputs from the run itself: the mean hold, and the mean time a session spends between holds.
    const cycle = (r.busySecondsPerTransfer * r.finished) / Math.max(1, r.attempts);
    predictedLoss = predictLoss({
      daemon: s.daemon,
      ports: s.ports,
      sessions: s.clients,
      holdSeconds: r.holdMean,
      idleSeconds: Math.max(0.001, cycle - r.holdMean * ok),
    });
  }
  const row = { ...s, ...r, measuredLoss, predictedLoss };
  report.push(row);
  console.log(
    `${s.daemon} ${s.ports} ports ${s.capped ? `cap ${passiveCapacity(s.daemon, s.ports).sessionCap}` : 'no cap'}, ${s.clients}x${s.transfers}: ` +
      `${r.delivered}/${r.expected} delivered in ${r.seconds} s, ${r.attempts} attempts, failures ${JSON.stringify(r.failuresByKind)}` +
      (predictedLoss === undefined
        ? ''
        : `; loss ${measuredLoss.toFixed(3)} measured, ${predictedLoss.toFixed(3)} predicted`),
  );
  return { ...r, measuredLoss, predictedLoss };
}

/**
 * What a session cap prevents never happened: no session killed by vsftpd's bind failure, no data port outside the
 * range, no transfer cut. What remains are clean answers the clients retry: refusals at connect or login (the cap at
 * work), connects or logins that time out while the daemon is busy refusing others (Pure-FTPd listens with a
 * backlog of 3 + cap / 8, so a storm of 50 connects overflows it; ProFTPD refuses only after TLS and the password
 * check, which costs CPU on a small machine), and rarely a 425 to EPSV (a port still closing).
 */
function expectOnlyCleanRefusals(r: LoadResult): void {
  expect(Object.keys(r.failuresByKind).filter((k) => !['refused', 'busy', 'timeout'].includes(k))).toEqual([]);
  // A timeout before the session has a passive port (connect, login) loses nothing: the client retries.
  expect(Object.keys(r.failuresByStep.timeout ?? {}).filter((step) => step !== 'connect' && step !== 'login')).toEqual(
    [],
  );
  expect(Object.keys(r.failuresByStep.busy ?? {}).filter((step) => step !== 'EPSV')).toEqual([]);
  expect(r.failuresByKind.busy ?? 0).toBeLessThanOrEqual(Math.ceil(r.expected / 100));
}

/** Runs a shell script in the inside client namespace, n at once; resolves with each one's stdout. */
function clientsAtOnce(n: number, script: (i: number) => string, timeoutSeconds: number): Promise<string[]> {
  return Promise.all(
    Array.from(
      { length: n },
      (_, i) =>
        new Promise<string>((resolve) => {
          const child = spawn('ip', ['netns', 'exec', topo.inside.ns, 'bash', '-c', script(i)], {
            stdio: ['ignore', 'pipe', 'ignore'],
          });
          let out = '';
          child.stdout.on('data', (d) => (out += d));
          const timer = setTimeout(() => child.kill('SIGKILL'), timeoutSeconds * 1000);
          child.on('close', () => {
            clearTimeout(timer);
            resolve(out);
          });
        }),
    ),
  );
}

suite('What 5 passive ports carry: 50 clients at once through the synthesized firewall', () => {
  beforeAll(() => {
    requireDaemons(gate.missing);
    topo = new Topology();
    ws = new Workspace();
    fs.copyFileSync(ws.payload, `${ws.home}/${FILE}`);
    fs.chmodSync(`${ws.home}/${FILE}`, 0o644);
  }, 60_000);

  afterAll(() => {
    topo?.destroy();
    ws?.remove();
    fs.mkdirSync('test/e2e/reports', { recursive: true });
    fs.writeFileSync('test/e2e/reports/load.json', JSON.stringify(report, null, 2) + '\n');
    fs.writeFileSync('test/e2e/reports/load.md', renderReport(report));
  });

  describe.each(['vsftpd', 'proftpd', 'pure-ftpd'] as DaemonKind[])('%s', (daemon) => {
    test('as rendered: 50 clients x 10 downloads, retrying refused logins, deliver every file (0 lost)', async () => {
      const r = await load({
        daemon,
        ports: 5,
        capped: true,
        clients: 50,
        transfers: 10,
        holdSeconds: 0.1,
        retrySeconds: 190,
        session: 'per-client',
      });
      expect(r.delivered).toBe(500);
      expectOnlyCleanRefusals(r);
      expect(r.failuresByKind.refused).toBeGreaterThan(0); // the cap was reached: the load was real
    }, 260_000);

    test('as rendered on 20 ports (cap vsftpd 6, ProFTPD 20, Pure-FTPd 10): 50 clients x 5 downloads, 0 lost', async () => {
      // Each cap proven beyond the seed's 5 ports: 50 clients exceed every cap, so the cap is what holds.
      const r = await load({
        daemon,
        ports: 20,
        capped: true,
        clients: 50,
        transfers: 5,
        holdSeconds: 0.1,
        retrySeconds: 120,
        session: 'per-client',
      });
      expect(r.delivered).toBe(250);
      expectOnlyCleanRefusals(r);
      expect(r.failuresByKind.refused).toBeGreaterThan(0);
    }, 200_000);

    if (daemon !== 'pure-ftpd') {
      test('without the cap: loses transfers in its own way, about as many as the model predicts', async () => {
        const r = await load({
          daemon,
          ports: 5,
          capped: false,
          clients: 50,
          transfers: 10,
          holdSeconds: 0.5,
          retrySeconds: 0,
          session: 'per-transfer',
          timeoutSeconds: 2,
        });
        const mode = daemon === 'vsftpd' ? 'oops' : 'outside';
        expect(r.failuresByKind[mode]).toBeGreaterThan(50);
        const [below, above] = MODEL_BAND[daemon as 'vsftpd' | 'proftpd'];
        expect(r.measuredLoss - r.predictedLoss!).toBeGreaterThanOrEqual(below);
        expect(r.measuredLoss - r.predictedLoss!).toBeLessThanOrEqual(above);
      }, 260_000);
    }
  });

  // vsftpd refuses at connect (421), ProFTPD at login (530 "maximum number", which lftp's ftp:retry-530 matches).
  test.each(['vsftpd', 'proftpd'] as DaemonKind[])(
    'the documented retrying clients deliver every file through %s as rendered: lftp and a curl loop',
    async (kind) => {
      const options: FtpsOptions = { passivePorts: SEED_PORTS };
      topo.firewall(topo.server, rulesFor(options));
      const daemon = startDaemon(kind, ws, topo.server, options);
      try {
        // lftp: one session per client, reconnecting after a refusal until it gets in; 5 downloads each.
        const lftp = await clientsAtOnce(
          20,
          (i) =>
            `lftp -c 'set ftp:ssl-force yes; set ftp:ssl-protect-data yes; set ssl:verify-certificate no; ` +
            `set net:max-retries 0; set net:reconnect-interval-base 1; set net:reconnect-interval-max 2; set net:timeout 10; ` +
            `open -u ${USER},${PASSWORD} ftp://${topo.server.v4}; ` +
            `${Array.from({ length: 5 }, (_, k) => `get ${FILE} -o ${ws.dir}/${kind}-lftp-${i}-${k}.bin`).join('; ')}' && echo done`,
          150,
        );
        // curl: --retry does not retry a 421 or 530, so a loop bounded by time.
        const curl = await clientsAtOnce(
          10,
          (i) =>
            `end=$((SECONDS+100)); for k in 1 2 3; do until curl -sS --ssl-reqd -k --connect-timeout 5 --max-time 20 ` +
            `-u ${USER}:${PASSWORD} ftp://${topo.server.v4}/${FILE} -o ${ws.dir}/${kind}-curl-${i}-$k.bin 2>/dev/null; ` +
            `do [ $SECONDS -ge $end ] && exit 1; sleep 0.$((RANDOM % 9 + 1)); done; done; echo done`,
          150,
        );
        expect(lftp.filter((o) => o.includes('done'))).toHaveLength(20);
        expect(curl.filter((o) => o.includes('done'))).toHaveLength(10);
        const payload = fs.readFileSync(ws.payload);
        const downloads = fs
          .readdirSync(ws.dir)
          .filter((f) => new RegExp(`^${kind}-(lftp|curl)-\\d+-\\d+\\.bin$`).test(f));
        expect(downloads).toHaveLength(20 * 5 + 10 * 3);
        for (const f of downloads) expect(fs.readFileSync(`${ws.dir}/${f}`).equals(payload)).toBe(true);
      } finally {
        daemon.stop();
        topo.firewall(topo.server, '');
      }
    },
    320_000,
  );

  describe('ftps-rules probe --concurrency 10 through the firewall: each daemon, each way the range gives out', () => {
    beforeAll(() => {
      // The probe runs as users run it: the built command, inside the client namespace.
      execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
        stdio: 'pipe',
      });
    }, 120_000);

    interface LoadProbe {
      code: number | null;
      report: {
        ok: boolean;
        daemon?: string;
        outcomes: Record<string, number>;
        sessions: Array<{ outcome: string; step: string }>;
        diagnoses: Array<{ id: string; message: string; fix: string }>;
      };
    }

    function probeWith(daemon: DaemonKind, capped: boolean): LoadProbe {
      const options: FtpsOptions = { passivePorts: SEED_PORTS };
      topo.firewall(topo.server, rulesFor(options));
      const d = startDaemon(daemon, ws, topo.server, options, {
        edit: capped ? undefined : (text) => text.replace(CAP_LINE[daemon], ''),
      });
      try {
        const r = probeFrom(topo.inside, [
          topo.server.v4,
          '--user',
          USER,
          '--passive',
          '50000-50004',
          '--concurrency',
          '10',
          '--timeout',
          '3',
          '--format',
          'json',
        ]);
        const report = JSON.parse(r.stdout);
        console.log(
          `probe --concurrency 10, ${daemon} ${capped ? 'as rendered' : 'without the cap'}: ${JSON.stringify(report.outcomes)}; ${report.diagnoses.map((x: { id: string }) => x.id).join(', ')}`,
        );
        return { code: r.status, report };
      } finally {
        d.stop();
        topo.firewall(topo.server, '');
      }
    }

    test('vsftpd without the cap: bind failures ("500 OOPS") diagnosed as an exhausted range, fix max_clients=2', () => {
      const p = probeWith('vsftpd', false);
      expect(p.code).toBe(1);
      expect(p.report.daemon).toBe('vsftpd');
      expect(p.report.outcomes.bindFailure).toBeGreaterThanOrEqual(4); // 5 ports held: the 6th on all fail their 9 draws
      expect(p.report.diagnoses.map((d) => d.id)).toEqual(['ftps-constructs:probeRangeExhausted']);
      expect(p.report.diagnoses[0].fix).toContain('vsftpd `max_clients=2`');
      expect(p.report.diagnoses[0].fix).toContain('widen the range to 33 ports for 10 clients at once');
    }, 90_000);

    test('vsftpd as rendered: 2 get in, 8 refused at connect: no loss, diagnosed as refusals with the range for 10', () => {
      const p = probeWith('vsftpd', true);
      expect(p.code).toBe(1);
      expect(p.report.outcomes).toMatchObject({ ok: 2, refused: 8, bindFailure: 0, outsideRange: 0 });
      expect(p.report.diagnoses.map((d) => d.id)).toEqual(['ftps-constructs:probeSessionsRefused']);
    }, 90_000);

    test('ProFTPD without the cap: data ports outside the range, dropped by the firewall, diagnosed with MaxClients 5', () => {
      const p = probeWith('proftpd', false);
      expect(p.code).toBe(1);
      expect(p.report.daemon).toBe('proftpd');
      expect(p.report.outcomes).toMatchObject({ ok: 5, outsideRange: 5 });
      expect(p.report.diagnoses.map((d) => d.id)).toEqual(['ftps-constructs:probeRangeExhausted']);
      expect(p.report.diagnoses[0].fix).toContain('ProFTPD `MaxClients 5`');
    }, 90_000);

    test('ProFTPD as rendered: 5 get in, 5 refused at login', () => {
      const p = probeWith('proftpd', true);
      expect(p.report.outcomes).toMatchObject({ ok: 5, refused: 5, outsideRange: 0 });
      expect(p.report.diagnoses.map((d) => d.id)).toEqual(['ftps-constructs:probeSessionsRefused']);
    }, 90_000);

    test('Pure-FTPd (its own cap, half the range): 2 get in, the 8 others refused at connect (or dropped by its backlog)', () => {
      const p = probeWith('pure-ftpd', true);
      expect(p.report.daemon).toBe('pure-ftpd');
      // Pure-FTPd listens with a backlog of 3 + cap / 8: under 10 simultaneous connects a SYN can be dropped, and
      // that session times out connecting (seen in one CI run of four); it is diagnosed as such, never as a loss.
      const { ok, refused, timeout, bindFailure, outsideRange } = p.report.outcomes;
      expect({ ok, bindFailure, outsideRange, refusedOrDropped: refused + timeout }).toEqual({
        ok: 2,
        bindFailure: 0,
        outsideRange: 0,
        refusedOrDropped: 8,
      });
      expect(p.report.sessions.filter((x) => x.outcome === 'timeout').map((x) => x.step)).toEqual(
        Array(timeout).fill('connect'),
      );
      const ids = p.report.diagnoses.map((d) => d.id);
      expect(ids[0]).toBe('ftps-constructs:probeSessionsRefused');
      expect(ids.slice(1)).toEqual(timeout ? ['ftps-constructs:probeLoadTimeout'] : []);
      if (timeout) expect(p.report.diagnoses[1].message).toContain('its listen backlog was full');
      expect(p.report.diagnoses[0].fix).toContain('widen the range to 20 ports');
    }, 90_000);
  });

  (process.env.FTPS_LOAD_MATRIX ? describe : describe.skip)('capacity matrix (npm run bench:load)', () => {
    const rows: Scenario[] = [];
    for (const daemon of ['vsftpd', 'proftpd', 'pure-ftpd'] as DaemonKind[])
      for (const ports of [5, 10, 20])
        for (const clients of [10, 50])
          for (const capped of daemon === 'pure-ftpd' ? [true] : [true, false])
            rows.push({
              daemon,
              ports,
              capped,
              clients,
              transfers: 10,
              holdSeconds: 0.2,
              retrySeconds: capped ? 190 : 0,
              session: 'per-transfer',
              timeoutSeconds: 2,
            });
    test.each(rows.map((r) => [`${r.daemon} ${r.ports} ports ${r.capped ? 'cap' : 'no cap'} ${r.clients} clients`, r]))(
      '%s',
      async (_name, s) => {
        const r = await load(s as Scenario);
        if ((s as Scenario).capped) expect(r.delivered).toBe(r.expected);
      },
      300_000,
    );
  });
});

function renderReport(rows: Row[]): string {
  const lines = [
    '| daemon | ports | cap | clients x transfers | client hold | delivered | lost | attempts | failures | time | loss measured / predicted |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const cap = r.capped ? String(passiveCapacity(r.daemon, r.ports).sessionCap ?? 'none') : 'removed';
    lines.push(
      `| ${r.daemon} | ${r.ports} | ${cap} | ${r.clients} x ${r.transfersEach} | ${r.holdSeconds} s | ${r.delivered} | ${r.expected - r.delivered} | ${r.attempts} | ${JSON.stringify(r.failuresByKind).replace(/"/g, '')} | ${r.seconds} s | ${r.predictedLoss === undefined ? '-' : `${r.measuredLoss.toFixed(2)} / ${r.predictedLoss.toFixed(2)}`} |`,
    );
  }
  return lines.join('\n') + '\n';
}
