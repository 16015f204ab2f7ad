// The three FTP daemons, each started in the server namespace with the configuration the project renders, and
// nothing added by the test but what the renderers take as settings (certificate paths, ProFTPD's module path).
// ProFTPD and Pure-FTPd come from scripts/e2e-daemons.sh (extracted Debian 12 packages, next to vsftpd).
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FtpsOptions, planFtps, renderProftpdConf, renderPureFtpdFlags, renderVsftpdConf } from '../../../lib/core';
import { Vsftpd, Workspace } from './ftp';
import { Host, run } from './topology';

export type DaemonKind = 'vsftpd' | 'proftpd' | 'pure-ftpd';
export const DAEMONS: readonly DaemonKind[] = ['vsftpd', 'proftpd', 'pure-ftpd'];

/** Where scripts/e2e-daemons.sh extracted ProFTPD and Pure-FTPd. */
export const DAEMONS_ROOT = process.env.FTPS_E2E_DAEMONS ?? path.resolve(__dirname, '../../../.ci/cache/daemons/root');
const PROFTPD = path.join(DAEMONS_ROOT, 'usr/sbin/proftpd');
const PROFTPD_MODULES = path.join(DAEMONS_ROOT, 'usr/lib/proftpd');
const PURE_FTPD = path.join(DAEMONS_ROOT, 'usr/sbin/pure-ftpd');

/** What is missing to run ProFTPD and Pure-FTPd (the suite fails in CI, naming the script that fetches them). */
export function missingDaemons(): string[] {
  return [PROFTPD, path.join(PROFTPD_MODULES, 'mod_tls.so'), PURE_FTPD].filter((f) => !fs.existsSync(f));
}

/** Fails (before any namespace is made) when the e2e prerequisites or the extracted daemons are missing. */
export function requireDaemons(gateMissing: readonly string[]): void {
  const missing = [...gateMissing, ...missingDaemons()];
  if (missing.length > 0)
    throw new Error(`needs ${missing.join(', ')} (run scripts/e2e-daemons.sh; CI does it in .ci/run)`);
}

export interface DaemonSettings {
  readonly requireSessionReuse?: boolean;
  /**
   * Changes the rendered configuration before the daemon starts (vsftpd.conf, proftpd.conf, or Pure-FTPd's flags
   * joined by spaces): for the control runs that show what a rendered line prevents.
   */
  readonly edit?: (rendered: string) => string;
}

export interface Daemon {
  readonly kind: DaemonKind;
  /** The configuration as rendered (vsftpd.conf, proftpd.conf, or Pure-FTPd's flags). */
  readonly rendered: string;
  stop(): void;
}

/** Starts a daemon with the rendered configuration; waits (bounded) until it listens. */
export function startDaemon(
  kind: DaemonKind,
  ws: Workspace,
  host: Host,
  options: FtpsOptions,
  settings: DaemonSettings = {},
): Daemon {
  const files = { certificateFile: ws.cert, privateKeyFile: ws.key, requireSessionReuse: settings.requireSessionReuse };
  const o = planFtps(options).options;
  const edit = settings.edit ?? ((text: string) => text);
  if (kind === 'vsftpd') {
    const conf = edit(renderVsftpdConf(options, files));
    const v = new Vsftpd(ws, host, {
      tls: o.tls,
      controlPort: o.controlPort,
      passivePorts: o.passivePorts,
      activeMode: o.activeMode,
      conf,
    });
    return { kind, rendered: conf, stop: () => v.stop() };
  }
  let argv: string[];
  let rendered: string;
  if (kind === 'proftpd') {
    rendered = edit(renderProftpdConf(options, { ...files, modulePath: PROFTPD_MODULES }));
    const conf = path.join(ws.dir, 'proftpd.conf');
    fs.writeFileSync(conf, rendered);
    argv = [PROFTPD, '--nodaemon', '--config', conf];
  } else {
    rendered = edit(renderPureFtpdFlags(options, files).join(' '));
    argv = [PURE_FTPD, ...rendered.split(' ')];
  }
  const log = path.join(ws.dir, `${kind}.log`);
  const child = spawnIn(host, argv, log);
  const output = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '');
  const stop = () => killGroup(child);
  waitListening(host, o.controlPort, kind, stop, output);
  return { kind, rendered, stop };
}

/** Runs ProFTPD with a configuration and returns its exit status and output (for configurations that must fail). */
export function proftpdRefuses(ws: Workspace, conf: string): { status: number | null; output: string } {
  const file = path.join(ws.dir, 'proftpd-refused.conf');
  fs.writeFileSync(file, conf);
  // stdin closed, not a pipe: with a pipe on stdin ProFTPD prints nothing at all.
  const r = spawnSync(PROFTPD, ['--nodaemon', '--config', file], {
    encoding: 'utf8',
    timeout: 5000,
    killSignal: 'SIGKILL',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** The module directory of the extracted ProFTPD. */
export const proftpdModules = PROFTPD_MODULES;

function spawnIn(host: Host, argv: string[], log: string): ChildProcess {
  // Output to a file (the suite waits synchronously, so pipes would not be read); its own process group, so
  // stop() also ends the session processes the daemon forked.
  const fd = fs.openSync(log, 'w');
  try {
    return spawn('ip', ['netns', 'exec', host.ns, ...argv], { stdio: ['ignore', fd, fd], detached: true });
  } finally {
    fs.closeSync(fd);
  }
}

/** Kills the daemon's process group and waits (bounded) until its leader is gone, so the next one can bind. */
function killGroup(child: ChildProcess): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    return; // already gone
  }
  const deadline = Date.now() + 3000;
  while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) {
    try {
      process.kill(child.pid, 0);
    } catch {
      return;
    }
    run('sleep', ['0.05']);
  }
}

function waitListening(host: Host, port: number, kind: string, stop: () => void, output: () => string): void {
  const deadline = Date.now() + 5000;
  while (!run('ss', ['-Htln', `sport = :${port}`], { ns: host.ns }).stdout.trim()) {
    if (Date.now() > deadline) {
      stop();
      throw new Error(`${kind} did not listen on ${port} within 5 s: ${output().trim().slice(0, 500)}`);
    }
    run('sleep', ['0.05']);
  }
}

/**
 * Starts a daemon with the configuration a synthesized boot script writes (proftpd.conf, or Pure-FTPd's unit),
 * changed only where this machine differs from the image: the certificate the boot script would fetch is the
 * workspace's, and the binaries and ProFTPD's modules are the extracted ones.
 */
export function startFromBootFile(
  kind: 'proftpd' | 'pure-ftpd',
  ws: Workspace,
  host: Host,
  file: string,
  port: number,
): Daemon {
  let argv: string[];
  if (kind === 'proftpd') {
    const conf = file
      .replace(/^ModulePath .*$/m, `ModulePath ${PROFTPD_MODULES}`)
      .replace(/^TLSRSACertificateFile .*$/m, `TLSRSACertificateFile ${ws.cert}`)
      .replace(/^TLSRSACertificateKeyFile .*$/m, `TLSRSACertificateKeyFile ${ws.key}`);
    const path_ = path.join(ws.dir, 'boot-proftpd.conf');
    fs.writeFileSync(path_, conf);
    argv = [PROFTPD, '--nodaemon', '--config', path_];
  } else {
    const exec = /^ExecStart=\/usr\/sbin\/pure-ftpd (.*)$/m.exec(file);
    if (!exec) throw new Error('no ExecStart=/usr/sbin/pure-ftpd line in the unit');
    const flags = exec[1].split(' ');
    const cert = flags.indexOf('-2');
    if (cert < 0) throw new Error('no certificate flag (-2) in the unit');
    flags[cert + 1] = `${ws.cert},${ws.key}`;
    argv = [PURE_FTPD, ...flags];
  }
  const log = path.join(ws.dir, `${kind}-boot.log`);
  const child = spawnIn(host, argv, log);
  const stop = () => killGroup(child);
  waitListening(host, port, kind, stop, () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''));
  return { kind, rendered: file, stop };
}
