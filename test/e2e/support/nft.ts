// nftables building blocks for the translators. Test code only: imports nothing from lib/.

export type Verdict = 'accept' | 'drop';
export type Proto = 'tcp' | 'udp' | 'icmp' | 'all';

export interface NftRule {
  /** Remote addresses (CIDRs or single addresses); 'any' for all. */
  readonly remote: readonly string[] | 'any';
  /** Local addresses; 'any' for all. */
  readonly local?: readonly string[] | 'any';
  readonly proto: Proto;
  /** Destination ports, inclusive; undefined for all. */
  readonly ports?: { from: number; to: number };
  readonly icmp?: { type: number; code: number };
  readonly verdict: Verdict;
  readonly comment?: string;
}

export interface NftChain {
  readonly name: string;
  readonly hook: 'input' | 'output';
  readonly priority: number;
  /** Stateful chains accept established traffic first and match only new connections. */
  readonly stateful: boolean;
  readonly rules: readonly NftRule[];
}

const family = (cidr: string) => (cidr.includes(':') ? 'ip6' : 'ip');

/** Renders chains into one table. Default policy drop; loopback and IPv6 neighbour discovery/MLD pass (infrastructure, as in a VPC). */
export function renderTable(chains: readonly NftChain[]): string {
  const lines = ['table inet ftps_e2e {'];
  for (const chain of chains) {
    const dir = chain.hook === 'input' ? 'iif' : 'oif';
    lines.push(
      `  chain ${chain.name} {`,
      `    type filter hook ${chain.hook} priority ${chain.priority}; policy drop;`,
      `    ${dir} lo accept`,
    );
    lines.push(
      '    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert, mld-listener-query, mld-listener-report, mld2-listener-report } accept',
    );
    // No "related": no conntrack helper may open data connections; FTPS data ports must be opened by rules.
    if (chain.stateful) lines.push('    ct state established accept');
    for (const rule of chain.rules) lines.push(...renderRule(rule, chain).map((l) => `    ${l}`));
    lines.push('    counter drop', '  }');
  }
  lines.push('}', '');
  return lines.join('\n');
}

function renderRule(rule: NftRule, chain: NftChain): string[] {
  const [remoteField, localField] = chain.hook === 'input' ? ['saddr', 'daddr'] : ['daddr', 'saddr'];
  const variants: string[][] = [];
  const remotes = rule.remote === 'any' ? [undefined] : rule.remote;
  const locals = !rule.local || rule.local === 'any' ? [undefined] : rule.local;
  for (const r of remotes) {
    for (const l of locals) {
      if (r && l && family(r) !== family(l)) continue;
      const fam = r ? family(r) : l ? family(l) : undefined;
      const parts: string[] = [];
      if (r) parts.push(isWorld(r) ? `meta nfproto ${fam === 'ip' ? 'ipv4' : 'ipv6'}` : `${fam} ${remoteField} ${r}`);
      if (l) parts.push(isWorld(l) ? `meta nfproto ${fam === 'ip' ? 'ipv4' : 'ipv6'}` : `${fam} ${localField} ${l}`);
      if (rule.proto === 'tcp' || rule.proto === 'udp') {
        parts.push(`meta l4proto ${rule.proto}`);
        if (rule.ports)
          parts.push(
            `${rule.proto} dport ${rule.ports.from === rule.ports.to ? rule.ports.from : `${rule.ports.from}-${rule.ports.to}`}`,
          );
      } else if (rule.proto === 'icmp') {
        if (fam === 'ip6') continue;
        parts.push('meta l4proto icmp');
        if (rule.icmp && rule.icmp.type >= 0) parts.push(`icmp type ${rule.icmp.type}`);
        if (rule.icmp && rule.icmp.code >= 0) parts.push(`icmp code ${rule.icmp.code}`);
      }
      if (chain.stateful && rule.verdict === 'accept') parts.push('ct state new');
      parts.push('counter', rule.verdict);
      if (rule.comment) parts.push(`comment "${rule.comment.replace(/"/g, "'").slice(0, 120)}"`);
      variants.push(parts);
    }
  }
  return variants.map((v) => v.join(' '));
}

function isWorld(cidr: string): boolean {
  return cidr === '0.0.0.0/0' || cidr === '::/0';
}

/** Port range from numbers that may be -1 (all). */
export function portRange(from: unknown, to: unknown): { from: number; to: number } | undefined {
  const f = Number(from);
  const t = Number(to);
  if (from === undefined || f === -1) return undefined;
  return { from: f, to: t };
}
