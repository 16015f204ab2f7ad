// A real layer-4 load balancer standing in for an AWS NLB or an Azure Load Balancer: the kernel's netfilter NAT
// in a balancer namespace (nftables `dnat`, with a `numgen` map for a port balanced over several backends, as
// kube-proxy's nftables mode does; IPVS is not built into this kernel). The backends route their replies back
// through the balancer, which undoes the NAT, so they see the client's own address, as NLB client-IP
// preservation and Azure's load balancer do. Documentation addresses only:
//
//   client 203.0.113.10 --- balancer (203.0.113.1; frontend 203.0.113.100) --- bridge 198.51.100.1/24
//                                                                            |-- backend 0 198.51.100.11
//                                                                            |-- backend 1 198.51.100.12 ...
//
// Everything made here is removed by destroy() (also from a process exit hook); every command is bounded.
import { ForwardedPort } from './translate-lb';
import { Host, must, removeNamespaces, setFirewall, writeNetnsEtc } from './topology';

export const FRONTEND = '203.0.113.100';
const LETTERS = 'abcdefghij';

export class BalancerTopology {
  public readonly client: Host;
  public readonly balancer: Host;
  public readonly backends: Host[];
  private readonly namespaces: string[];
  private destroyed = false;
  private readonly onExit = () => this.destroy();

  constructor(backends: number) {
    const tag = `ftpse2e-${process.pid}`;
    this.client = { ns: `${tag}-lbc`, v4: '203.0.113.10', v6: '' };
    this.balancer = { ns: `${tag}-lbn`, v4: FRONTEND, v6: '' };
    this.backends = Array.from({ length: backends }, (_, i) => ({
      ns: `${tag}-lbb${LETTERS[i]}`,
      v4: `198.51.100.${11 + i}`,
      v6: '',
    }));
    this.namespaces = [this.client.ns, this.balancer.ns, ...this.backends.map((b) => b.ns)];
    process.once('exit', this.onExit);
    try {
      this.build();
    } catch (e) {
      this.destroy();
      throw e;
    }
  }

  private build(): void {
    for (const ns of this.namespaces) {
      must('ip', ['netns', 'add', ns]);
      must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      writeNetnsEtc(ns);
    }
    const lb = this.balancer.ns;
    // client <-> balancer
    must('ip', ['link', 'add', 'eth0', 'netns', this.client.ns, 'type', 'veth', 'peer', 'name', 'cli0', 'netns', lb]);
    must('ip', ['-n', lb, 'addr', 'add', '203.0.113.1/24', 'dev', 'cli0']);
    must('ip', ['-n', lb, 'addr', 'add', `${FRONTEND}/24`, 'dev', 'cli0']);
    must('ip', ['-n', lb, 'link', 'set', 'cli0', 'up']);
    must('ip', ['-n', this.client.ns, 'addr', 'add', `${this.client.v4}/24`, 'dev', 'eth0']);
    must('ip', ['-n', this.client.ns, 'link', 'set', 'eth0', 'up']);
    must('ip', ['-n', this.client.ns, 'route', 'add', 'default', 'via', '203.0.113.1']);
    // balancer <-> backends, on a bridge
    must('ip', ['-n', lb, 'link', 'add', 'br0', 'type', 'bridge']);
    must('ip', ['-n', lb, 'addr', 'add', '198.51.100.1/24', 'dev', 'br0']);
    must('ip', ['-n', lb, 'link', 'set', 'br0', 'up']);
    for (const [i, b] of this.backends.entries()) {
      must('ip', ['link', 'add', 'eth0', 'netns', b.ns, 'type', 'veth', 'peer', 'name', `be${i}`, 'netns', lb]);
      must('ip', ['-n', lb, 'link', 'set', `be${i}`, 'master', 'br0', 'up']);
      must('ip', ['-n', b.ns, 'addr', 'add', `${b.v4}/24`, 'dev', 'eth0']);
      must('ip', ['-n', b.ns, 'link', 'set', 'eth0', 'up']);
      // Replies go back through the balancer: the backend sees (and answers) the client's own address.
      must('ip', ['-n', b.ns, 'route', 'add', 'default', 'via', '198.51.100.1']);
    }
    must('sysctl', ['-qw', 'net.ipv4.ip_forward=1'], { ns: lb });
  }

  /**
   * Loads the balancer's forwarding: each port to its backends (by address), round robin (`numgen inc`) where
   * there are several. Ports not listed are not forwarded (the balancer has no listener there).
   */
  public forward(table: ReadonlyArray<{ port: number; backendPort: number; to: readonly string[] }>): string {
    const rules = table.map((f) => {
      if (f.to.length === 0) throw new Error(`port ${f.port}: no backend`);
      const target =
        f.to.length === 1
          ? `dnat to ${f.to[0]}:${f.backendPort}`
          : `dnat to numgen inc mod ${f.to.length} map { ${f.to.map((a, i) => `${i} : ${a}`).join(', ')} } : ${f.backendPort}`;
      return `    ip daddr ${FRONTEND} tcp dport ${f.port} ${target}`;
    });
    const ruleset = [
      'table ip balancer {',
      '  chain prerouting {',
      '    type nat hook prerouting priority dstnat; policy accept;',
      ...rules,
      '  }',
      '  chain forward {',
      // Only what the table forwards reaches a backend (and its replies): nothing else crosses the balancer.
      '    type filter hook forward priority filter; policy drop;',
      '    ct state established,related accept',
      '    ct status dnat accept',
      '  }',
      '}',
      '',
    ].join('\n');
    must('nft', ['flush', 'ruleset'], { ns: this.balancer.ns });
    must('nft', ['-f', '-'], { ns: this.balancer.ns, input: ruleset });
    return ruleset;
  }

  /** Replaces a host's firewall (an nftables ruleset; empty for none). */
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

/** The table of a synthesized balancer, with each backend id replaced by the address of its namespace. */
export function addressed(
  table: readonly ForwardedPort[],
  addressOf: Readonly<Record<string, string>>,
): Array<{ port: number; backendPort: number; to: string[] }> {
  return table.map((f) => ({
    port: f.port,
    backendPort: f.backendPort,
    to: f.backends.map((id) => {
      const a = addressOf[id];
      if (!a) throw new Error(`port ${f.port}: backend ${id} is not one of ${Object.keys(addressOf).join(', ')}`);
      return a;
    }),
  }));
}

/** The naive balancer (the negative control): every port balanced over every backend. */
export function naive(
  table: ReadonlyArray<{ port: number; backendPort: number; to: readonly string[] }>,
  all: readonly string[],
): Array<{ port: number; backendPort: number; to: string[] }> {
  return table.map((f) => ({ ...f, to: [...all] }));
}
