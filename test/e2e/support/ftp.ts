import { ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FtpsTls, renderVsftpdConf } from '../../../lib/core';
import { Host, must, run } from './topology';

export const USER = 'ftpse2e';
export const PASSWORD = 'E2e-secret-42';

/** Files, the certificate and the FTP user for a run; remove() undoes all of it. */
export class Workspace {
  public readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftpse2e-'));
  public readonly home = path.join(this.dir, 'home');
  public readonly cert = path.join(this.dir, 'cert.pem');
  public readonly key = path.join(this.dir, 'key.pem');
  public readonly payload = path.join(this.dir, 'payload.bin');

  constructor() {
    fs.chmodSync(this.dir, 0o755); // the FTP user must reach its home below it, or vsftpd answers 500 OOPS in clear
    must(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=ftps.test',
        // Names the server as clients reach it, so the probe's host check passes as on a real server.
        '-addext',
        'subjectAltName=DNS:ftps.test,IP:198.51.100.10,IP:2001:db8:1::10',
        '-keyout',
        this.key,
        '-out',
        this.cert,
      ],
      { timeoutMs: 30_000 },
    );
    fs.writeFileSync(this.payload, randomBytes(256 * 1024));
    run('userdel', [USER]);
    must('useradd', ['--no-create-home', '--home-dir', this.home, '--shell', '/usr/sbin/nologin', USER]);
    fs.mkdirSync(this.home);
    must('chown', [USER, this.home]);
    must('chpasswd', [], { input: `${USER}:${PASSWORD}\n` });
    fs.mkdirSync('/var/run/vsftpd/empty', { recursive: true });
    // vsftpd's PAM service refuses users whose shell is not in /etc/shells
    if (!fs.readFileSync('/etc/shells', 'utf8').includes('/usr/sbin/nologin'))
      fs.appendFileSync('/etc/shells', '/usr/sbin/nologin\n');
  }

  public remove(): void {
    run('userdel', [USER]);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface ServerSettings {
  readonly tls: 'explicit' | 'implicit';
  readonly controlPort: number;
  readonly passivePorts: { from: number; to: number };
  readonly activeMode: boolean;
  /** vsftpd settings to replace or add, e.g. { require_ssl_reuse: 'NO' }. */
  readonly overrides?: Record<string, string>;
  /**
   * A vsftpd.conf to run instead of rendering one from the settings (e.g. extracted from a template's boot
   * script); its certificate paths are pointed at the workspace's test certificate.
   */
  readonly conf?: string;
}

/** A real vsftpd in the server namespace; stop() kills it by PID. */
export class Vsftpd {
  private readonly child: ChildProcess;

  constructor(ws: Workspace, host: Host, s: ServerSettings) {
    const conf = path.join(ws.dir, `vsftpd-${host.ns}-${s.controlPort}.conf`);
    // The project's own rendered configuration, plus what only this test environment needs.
    const rendered =
      s.conf ??
      renderVsftpdConf(
        {
          tls: s.tls === 'implicit' ? FtpsTls.IMPLICIT : FtpsTls.EXPLICIT,
          controlPort: s.controlPort,
          passivePorts: s.passivePorts,
          activeMode: s.activeMode,
        },
        { certificateFile: ws.cert, privateKeyFile: ws.key },
      );
    const own = rendered.split('\n').filter((l) => l && !l.startsWith('#'));
    const lines = [
      ...own,
      // Test environment only: foreground (killed by PID), no seccomp/namespace sandbox inside a netns.
      'background=NO',
      'seccomp_sandbox=NO',
      'isolate=NO',
      'isolate_network=NO',
      // Session limits only where the configuration sets none (the rendered one caps sessions by the range).
      ...['max_clients=200', 'max_per_ip=100'].filter((l) => !own.some((o) => o.startsWith(l.split('=')[0] + '='))),
    ];
    const overrides = {
      // The certificate the boot script would fetch from the cloud's secret store.
      ...(s.conf ? { rsa_cert_file: ws.cert, rsa_private_key_file: ws.key } : {}),
      ...s.overrides,
    };
    for (const [key, value] of Object.entries(overrides)) {
      const i = lines.findIndex((l) => l.startsWith(`${key}=`));
      if (i >= 0) lines[i] = `${key}=${value}`;
      else lines.push(`${key}=${value}`);
    }
    fs.writeFileSync(conf, lines.join('\n') + '\n');
    this.child = spawn('ip', ['netns', 'exec', host.ns, 'vsftpd', conf], { stdio: 'ignore' });
    const deadline = Date.now() + 5000;
    while (!run('ss', ['-Htln', `sport = :${s.controlPort}`], { ns: host.ns }).stdout.trim()) {
      if (Date.now() > deadline) {
        this.stop();
        throw new Error(`vsftpd did not listen on ${s.controlPort} within 5 s`);
      }
      run('sleep', ['0.05']);
    }
  }

  public stop(): void {
    if (this.child.pid && this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

export interface SessionResult {
  readonly ok: boolean;
  readonly step: string;
  readonly detail: string;
}

export interface SessionOptions {
  readonly client: Host;
  readonly server: string;
  readonly tls: 'explicit' | 'implicit';
  readonly port: number;
  /** curl: EPSV (default) or PASV; lftp: active. */
  readonly mode: 'epsv' | 'pasv' | 'active';
  readonly timeoutSeconds?: number;
  readonly name?: string;
  /** Another account than the workspace's test user. */
  readonly user?: string;
  readonly password?: string;
}

/** How many curl steps were retried after vsftpd's transient 426 (reported by the suite). */
export let transientRetries = 0;

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Upload, list and download a file with a real client; compares checksums. */
export function ftpsSession(ws: Workspace, o: SessionOptions): SessionResult {
  const name = o.name ?? `f-${o.mode}-${process.hrtime.bigint()}.bin`;
  const host = o.server.includes(':') ? `[${o.server}]` : o.server;
  const down = path.join(ws.dir, `${name}.down`);
  const t = o.timeoutSeconds ?? 8;
  if (o.mode === 'active') return lftpActive(ws, o, name, down, t);
  const scheme = o.tls === 'implicit' ? 'ftps' : 'ftp';
  const base = [
    `${scheme}://${host}:${o.port}/`,
    '--user',
    `${o.user ?? USER}:${o.password ?? PASSWORD}`,
    '--insecure',
    '--tls-max',
    '1.2',
    '--connect-timeout',
    String(t),
    '--max-time',
    String(t * 2),
    '-sS',
  ];
  if (o.tls === 'explicit') base.push('--ssl-reqd');
  if (o.mode === 'pasv') base.push('--disable-epsv', '--no-ftp-skip-pasv-ip');
  const steps: Array<[string, string[]]> = [
    ['upload', ['-T', ws.payload, base[0] + name, ...base.slice(1)]],
    ['list', [...base]],
    ['download', [base[0] + name, '-o', down, ...base.slice(1)]],
  ];
  for (const [step, args] of steps) {
    let r = run('curl', args, { ns: o.client.ns, timeoutMs: (t * 2 + 5) * 1000 });
    // vsftpd 3.0.3 now and then aborts a finished TLS data transfer with "426 Failure reading network
    // stream" (a close race, not the firewall: a dropped packet shows as a timeout, exit 28). One retry.
    if (r.status === 18 && / 426/.test(r.stderr)) {
      transientRetries++;
      r = run('curl', args, { ns: o.client.ns, timeoutMs: (t * 2 + 5) * 1000 });
    }
    if (r.status !== 0) return { ok: false, step, detail: `curl exit ${r.status}: ${r.stderr.trim()}` };
    if (step === 'list' && !r.stdout.includes(name)) return { ok: false, step, detail: `listing lacks ${name}` };
  }
  return checksum(ws, down);
}

function lftpActive(ws: Workspace, o: SessionOptions, name: string, down: string, t: number): SessionResult {
  const script = [
    'set ftp:passive-mode no',
    `set ftp:ssl-force ${o.tls === 'explicit' ? 'yes' : 'no'}`,
    'set ftp:ssl-protect-data yes',
    'set ssl:verify-certificate no',
    'set ssl:priority NORMAL:-VERS-TLS1.3',
    `set net:timeout ${t}`,
    'set net:max-retries 1',
    'set net:reconnect-interval-base 1',
    'set xfer:clobber yes',
    `open -u ${USER},${PASSWORD} ${o.tls === 'implicit' ? 'ftps' : 'ftp'}://${o.server.includes(':') ? `[${o.server}]` : o.server}:${o.port}`,
    `put ${ws.payload} -o ${name}`,
    'cls -1',
    `get ${name} -o ${down}`,
    'bye',
  ].join('\n');
  const r = run('lftp', ['-c', script], { ns: o.client.ns, timeoutMs: (t * 4 + 5) * 1000 });
  if (r.status !== 0) return { ok: false, step: 'lftp', detail: `lftp exit ${r.status}: ${r.stderr.trim()}` };
  if (!r.stdout.includes(name)) return { ok: false, step: 'list', detail: `listing lacks ${name}` };
  return checksum(ws, down);
}

/** Compares a downloaded file with the workspace's payload, then removes it. */
export function checksum(ws: Workspace, down: string): SessionResult {
  if (!fs.existsSync(down)) return { ok: false, step: 'download', detail: 'no file downloaded' };
  const same = sha256(down) === sha256(ws.payload);
  fs.rmSync(down, { force: true });
  return same
    ? { ok: true, step: 'done', detail: 'checksums match' }
    : { ok: false, step: 'checksum', detail: 'downloaded file differs' };
}

/** Can a TCP connection be opened from the client to this port? A connect bounded by 2 s (a drop times out). */
export function tcpReachable(client: Host, address: string, port: number): boolean {
  const program = `const s=require('net').connect({host:${JSON.stringify(address)},port:${port}});s.setTimeout(2000);s.on('connect',()=>process.exit(0));s.on('timeout',()=>process.exit(3));s.on('error',()=>process.exit(4))`;
  const r = run(process.execPath, ['-e', program], { ns: client.ns, timeoutMs: 6000 });
  return r.status === 0;
}

/** Plain TCP listeners on ports in the server namespace, to tell "dropped by the firewall" from "nothing listens". */
export function listeners(host: Host, ports: readonly number[]): { stop(): void } {
  const program = `const net=require('net');for(const p of ${JSON.stringify(ports)}){net.createServer(s=>s.end()).listen(p,'::')}setTimeout(()=>process.exit(0),120000)`;
  const child = spawn('ip', ['netns', 'exec', host.ns, process.execPath, '-e', program], { stdio: 'ignore' });
  const deadline = Date.now() + 5000;
  while (ports.some((p) => !run('ss', ['-Htln', `sport = :${p}`], { ns: host.ns }).stdout.trim())) {
    if (Date.now() > deadline) break;
    run('sleep', ['0.05']);
  }
  return { stop: () => child.pid && child.exitCode === null && child.kill('SIGKILL') };
}
