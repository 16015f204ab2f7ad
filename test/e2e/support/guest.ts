// A real Debian 12 system booted with systemd as PID 1 (systemd-nspawn) inside a namespace of the test topology,
// to run a synthesized boot script exactly as a cloud would: as a systemd unit at boot (the stand-in for
// cloud-init / EC2 user data), with the cloud faked by stand-in `aws` and `curl` commands on its PATH that answer
// what the test chose and record what they were asked. No network leaves the topology; nothing is a real cloud.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOTFS_SCRIPT = path.resolve(__dirname, '../../../scripts/e2e-rootfs.sh');

/** What the systems of this machine lack to boot a guest. */
export function missingBootTools(): string[] {
  return ['systemd-nspawn', 'mmdebstrap', 'nsenter'].filter(
    (c) => spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0,
  );
}

/** The cached root file system tarball (built by scripts/e2e-rootfs.sh when missing; bounded). */
export function rootfsTarball(): string {
  const r = spawnSync('bash', [ROOTFS_SCRIPT], { encoding: 'utf8', timeout: 600_000, killSignal: 'SIGKILL' });
  if (r.status !== 0) throw new Error(`scripts/e2e-rootfs.sh failed (${r.status}): ${r.stderr.slice(-800)}`);
  return r.stdout.trim().split('\n').pop()!;
}

/** One answer of the fake cloud: to a command whose arguments contain `match`. */
export interface FakeAnswer {
  /** `mount`: a stand-in for a network file system mount (the test has no NFS server); installed only when named. */
  readonly command: 'aws' | 'curl' | 'mount';
  readonly match: string;
  readonly stdout?: string;
  readonly exit?: number;
  /** curl only: the HTTP status printed for `-w '%{http_code}'`. */
  readonly http?: number;
}

export interface GuestOptions {
  /** The boot script, as the cloud hands it to the machine (with or without its #! line). */
  readonly script: string;
  readonly answers: readonly FakeAnswer[];
  /** Files to place before boot (what the cloud's agent would have written), path inside the guest → content. */
  readonly files?: Readonly<Record<string, string>>;
}

// The stand-in for the cloud's commands: answers from /opt/fake-cloud/answers.json, records every call.
const FAKE = `#!/usr/bin/python3
import json, os, sys
name = os.path.basename(sys.argv[0])
args = sys.argv[1:]
with open("/opt/fake-cloud/calls.jsonl", "a") as log:
    log.write(json.dumps([name] + args) + "\\n")
for a in json.load(open("/opt/fake-cloud/answers.json")):
    if a["command"] == name and any(a["match"] in x for x in args):
        sys.stdout.write(a.get("stdout", ""))
        if name == "curl" and "-w" in args:
            sys.stdout.write("\\n" + str(a.get("http", 200)))
        sys.exit(a.get("exit", 0))
sys.stderr.write(name + ": the fake cloud has no answer for " + " ".join(args) + "\\n")
sys.exit(7 if name == "curl" else 255)
`;

const UNIT = `[Unit]
Description=User data (the test's stand-in for cloud-init and EC2 user data)
After=network-online.target
Wants=network-online.target

[Service]
Type=oneshot
Environment=PATH=/opt/fake-cloud/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ExecStart=/bin/bash /var/lib/ftps-boot/user-data
ExecStopPost=/bin/sh -c 'echo "$SERVICE_RESULT $EXIT_STATUS" > /var/lib/ftps-boot/result'
TimeoutStartSec=300

[Install]
WantedBy=multi-user.target
`;

/** A booted guest; stop() powers it off and removes its root. */
export class Guest {
  public readonly dir: string;
  private readonly child: ChildProcess;
  private readonly log: string;

  constructor(tarball: string, netns: string, o: GuestOptions) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftps-guest-'));
    must('tar', ['-xf', tarball, '-C', this.dir], 180_000);
    const put = (p: string, content: string, mode = 0o644) => {
      const file = path.join(this.dir, p);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content, { mode });
    };
    put('var/lib/ftps-boot/user-data', o.script, 0o700);
    put('etc/systemd/system/ftps-user-data.service', UNIT);
    fs.mkdirSync(path.join(this.dir, 'etc/systemd/system/multi-user.target.wants'), { recursive: true });
    fs.symlinkSync(
      '/etc/systemd/system/ftps-user-data.service',
      path.join(this.dir, 'etc/systemd/system/multi-user.target.wants/ftps-user-data.service'),
    );
    // A cloud machine resolves its own name and has a resolver; here the name is in /etc/hosts and the resolver is
    // loopback (nothing answers, nothing leaves the topology): a daemon resolving its name at startup does not wait.
    put('etc/hostname', 'ftps-guest\n');
    put('etc/hosts', '127.0.0.1 localhost\n127.0.1.1 ftps-guest\n::1 localhost ip6-localhost\n');
    fs.rmSync(path.join(this.dir, 'etc/resolv.conf'), { force: true });
    put('etc/resolv.conf', 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
    put('opt/fake-cloud/bin/aws', FAKE, 0o755);
    put('opt/fake-cloud/bin/curl', FAKE, 0o755);
    if (o.answers.some((a) => a.command === 'mount')) put('opt/fake-cloud/bin/mount', FAKE, 0o755);
    put('opt/fake-cloud/answers.json', JSON.stringify(o.answers));
    put('opt/fake-cloud/calls.jsonl', '');
    for (const [p, content] of Object.entries(o.files ?? {})) put(p.replace(/^\//, ''), content, 0o600);
    this.log = path.join(this.dir, '..', `${path.basename(this.dir)}.console`);
    const fd = fs.openSync(this.log, 'w');
    this.child = spawn(
      'systemd-nspawn',
      [
        '--quiet',
        '--register=no',
        '--keep-unit',
        '-D',
        this.dir,
        `--network-namespace-path=/run/netns/${netns}`,
        '--boot',
      ],
      { stdio: ['ignore', fd, fd], detached: true },
    );
    fs.closeSync(fd);
  }

  /** Waits (bounded) until the boot script has finished; returns systemd's result for it ("success 0", ...). */
  public waitForBootScript(timeoutMs = 240_000): string {
    const file = path.join(this.dir, 'var/lib/ftps-boot/result');
    const deadline = Date.now() + timeoutMs;
    while (!fs.existsSync(file) || fs.readFileSync(file, 'utf8').trim() === '') {
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(
          `the boot script did not finish within ${timeoutMs / 1000} s; console: ${this.console().slice(-1500)}`,
        );
      }
      spawnSync('sleep', ['0.5']);
    }
    return fs.readFileSync(file, 'utf8').trim();
  }

  /** Runs a command inside the guest (its mount, PID and UTS namespaces), bounded. */
  public exec(argv: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync('nsenter', ['-t', String(this.initPid()), '-m', '-u', '-i', '-p', '--', ...argv], {
      encoding: 'utf8',
      timeout: 30_000,
      killSignal: 'SIGKILL',
    });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** The boot script's lines in the journal. */
  public journal(): string {
    return this.exec(['journalctl', '--no-pager', '-o', 'cat', '-u', 'ftps-user-data.service']).stdout;
  }

  /** The fake cloud's calls: each as [command, ...arguments]. */
  public calls(): string[][] {
    return fs
      .readFileSync(path.join(this.dir, 'opt/fake-cloud/calls.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as string[]);
  }

  /** A file of the guest's root, as the host sees it. */
  public read(p: string): string {
    return fs.readFileSync(path.join(this.dir, p.replace(/^\//, '')), 'utf8');
  }

  public console(): string {
    return fs.existsSync(this.log) ? fs.readFileSync(this.log, 'utf8') : '';
  }

  /** Powers the guest off (bounded; then killed), and removes its root. */
  public stop(): void {
    const pid = this.child.pid;
    if (pid && this.child.exitCode === null) {
      try {
        process.kill(pid, 'SIGTERM'); // nspawn asks the guest's systemd to power off
      } catch {
        // gone
      }
      const deadline = Date.now() + 15_000;
      while (alive(pid) && Date.now() < deadline) spawnSync('sleep', ['0.2']);
      if (alive(pid)) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.rmSync(this.log, { force: true });
  }

  private initPid(): number {
    // The guest's PID 1 is the child of systemd-nspawn whose command is systemd.
    const ps = spawnSync('ps', ['-o', 'pid=,comm=', '--ppid', String(this.child.pid)], { encoding: 'utf8' }).stdout;
    const line = ps.split('\n').find((l) => /systemd/.test(l));
    if (!line) throw new Error(`no guest init under systemd-nspawn (${this.child.pid}): ${ps}`);
    return Number(line.trim().split(/\s+/)[0]);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}

function must(cmd: string, args: string[], timeout: number): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout, killSignal: 'SIGKILL' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
}
