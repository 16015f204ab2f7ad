import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';

/**
 * Test hosts in network namespaces, documentation addresses only:
 *
 *   server 198.51.100.10 / 2001:db8:1::10 --- router --- bridge --- inside  203.0.113.10  / 2001:db8:2::10
 *                                                                \-- outside 203.0.113.200 / 2001:db8:2::200
 *
 * Everything made here is removed by destroy() (also from a process exit hook), every command is bounded.
 */
export interface Host {
  readonly ns: string;
  readonly v4: string;
  readonly v6: string;
}

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const PREFIX = 'ftpse2e';

export function run(
  cmd: string,
  args: readonly string[],
  opts: { timeoutMs?: number; input?: string; ns?: string } = {},
): RunResult {
  const [file, argv] = opts.ns ? ['ip', ['netns', 'exec', opts.ns, cmd, ...args]] : [cmd, [...args]];
  const r = spawnSync(file, argv, {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 10_000,
    input: opts.input,
    killSignal: 'SIGKILL',
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

export function must(
  cmd: string,
  args: readonly string[],
  opts: { timeoutMs?: number; input?: string; ns?: string } = {},
): string {
  const r = run(cmd, args, opts);
  if (r.status !== 0)
    throw new Error(
      `${opts.ns ? `[${opts.ns}] ` : ''}${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`,
    );
  return r.stdout;
}

export class Topology {
  public readonly server: Host;
  public readonly inside: Host;
  public readonly outside: Host;
  private readonly router: string;
  private readonly namespaces: string[];
  private destroyed = false;
  private readonly onExit = () => this.destroy();

  constructor() {
    const tag = `${PREFIX}-${process.pid}`;
    this.router = `${tag}-rtr`;
    this.server = { ns: `${tag}-srv`, v4: '198.51.100.10', v6: '2001:db8:1::10' };
    this.inside = { ns: `${tag}-in`, v4: '203.0.113.10', v6: '2001:db8:2::10' };
    this.outside = { ns: `${tag}-out`, v4: '203.0.113.200', v6: '2001:db8:2::200' };
    this.namespaces = [this.router, this.server.ns, this.inside.ns, this.outside.ns];
    removeStaleNamespaces();
    process.once('exit', this.onExit);
    try {
      this.build();
    } catch (e) {
      this.destroy();
      throw e;
    }
  }

  private build(): void {
    const r = this.router;
    for (const ns of this.namespaces) {
      must('ip', ['netns', 'add', ns]);
      must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      writeNetnsEtc(ns);
    }
    must('ip', ['-n', r, 'link', 'add', 'br0', 'type', 'bridge']);
    must('ip', ['-n', r, 'addr', 'add', '203.0.113.1/24', 'dev', 'br0']);
    must('ip', ['-n', r, '-6', 'addr', 'add', '2001:db8:2::1/64', 'dev', 'br0', 'nodad']);
    must('ip', ['-n', r, 'link', 'set', 'br0', 'up']);
    // server <-> router
    must('ip', ['link', 'add', 'eth0', 'netns', this.server.ns, 'type', 'veth', 'peer', 'name', 'srv0', 'netns', r]);
    must('ip', ['-n', r, 'addr', 'add', '198.51.100.1/24', 'dev', 'srv0']);
    must('ip', ['-n', r, '-6', 'addr', 'add', '2001:db8:1::1/64', 'dev', 'srv0', 'nodad']);
    must('ip', ['-n', r, 'link', 'set', 'srv0', 'up']);
    this.addressHost(this.server, '24', '64', '198.51.100.1', '2001:db8:1::1');
    // clients <-> bridge
    for (const [i, host] of [this.inside, this.outside].entries()) {
      must('ip', ['link', 'add', 'eth0', 'netns', host.ns, 'type', 'veth', 'peer', 'name', `cli${i}`, 'netns', r]);
      must('ip', ['-n', r, 'link', 'set', `cli${i}`, 'master', 'br0', 'up']);
      this.addressHost(host, '24', '64', '203.0.113.1', '2001:db8:2::1');
    }
    must('sysctl', ['-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1'], { ns: r });
  }

  private addressHost(host: Host, len4: string, len6: string, gw4: string, gw6: string): void {
    must('ip', ['-n', host.ns, 'addr', 'add', `${host.v4}/${len4}`, 'dev', 'eth0']);
    must('ip', ['-n', host.ns, '-6', 'addr', 'add', `${host.v6}/${len6}`, 'dev', 'eth0', 'nodad']);
    must('ip', ['-n', host.ns, 'link', 'set', 'eth0', 'up']);
    must('ip', ['-n', host.ns, 'route', 'add', 'default', 'via', gw4]);
    must('ip', ['-n', host.ns, '-6', 'route', 'add', 'default', 'via', gw6]);
  }

  /** Replaces the firewall of a host (an nftables ruleset; empty for none). */
  public firewall(host: Host, ruleset: string): void {
    setFirewall(host, ruleset);
  }

  public destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    process.removeListener('exit', this.onExit);
    removeNamespaces(this.namespaces);
  }
}

/** Replaces the firewall of a host (an nftables ruleset; empty for none). */
export function setFirewall(host: Host, ruleset: string): void {
  must('nft', ['flush', 'ruleset'], { ns: host.ns });
  if (ruleset.trim()) must('nft', ['-f', '-'], { ns: host.ns, input: ruleset });
}

/** Deletes namespaces made by a test (bounded) and their /etc/netns files. */
export function removeNamespaces(namespaces: readonly string[]): void {
  for (const ns of namespaces) {
    run('ip', ['netns', 'del', ns], { timeoutMs: 5000 });
    fs.rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
  }
}

/**
 * The namespace's own /etc/hosts and /etc/resolv.conf (`ip netns exec` mounts /etc/netns/<ns>/* over /etc): the
 * machine's name resolves locally in both families, and the only resolver is loopback, where nothing answers. So
 * no DNS query ever leaves for the host's real resolver, and a daemon that resolves its own name at startup
 * (ProFTPD, for IPv6 too) is refused at once instead of waiting for a resolver timeout.
 */
export function writeNetnsEtc(ns: string, extraHosts = ''): void {
  const dir = `/etc/netns/${ns}`;
  fs.mkdirSync(dir, { recursive: true });
  const name = os.hostname();
  fs.writeFileSync(`${dir}/hosts`, `127.0.0.1 localhost ${name}\n::1 localhost ${name}\n${extraHosts}`);
  fs.writeFileSync(`${dir}/resolv.conf`, 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
}

/** Namespaces left by an earlier run whose process is gone (a crash, a kill -9). */
function removeStaleNamespaces(): void {
  const list = run('ip', ['netns', 'list']).stdout;
  for (const line of list.split('\n')) {
    const m = new RegExp(`^(${PREFIX}-(\\d+)-[a-z]+)`).exec(line);
    if (!m) continue;
    let alive = true;
    try {
      process.kill(Number(m[2]), 0);
    } catch {
      alive = false;
    }
    if (!alive || Number(m[2]) === process.pid) run('ip', ['netns', 'del', m[1]]);
  }
}
