// Reads Terraform JSON synthesized by cdktf the way Azure evaluates a network security group and produces
// an nftables ruleset: priority order per direction, first match, allow and deny, service tags, Azure's
// default rules, stateful. Test code only: imports nothing from lib/.
import { NftRule, Proto, renderTable } from './nft';

type Json = Record<string, unknown>;

export interface NsgHost {
  /** The NSG as the rules name it: a literal name, or the reference `${azurerm_network_security_group.X.name}`. */
  readonly nsg: string;
  /** This host's addresses (what VirtualNetwork and a "*" destination cover). */
  readonly self: string[];
  /** The virtual network's address space (the VirtualNetwork tag). */
  readonly virtualNetwork: string[];
  /** Addresses of application security groups, by id. */
  readonly asgs?: Record<string, string[]>;
}

interface NsgRule {
  name: string;
  priority: number;
  direction: 'Inbound' | 'Outbound';
  access: 'Allow' | 'Deny';
  protocol: string;
  source: string[];
  destination: string[];
  ports: string[];
}

/** Azure's default rules (priorities 65000-65500), after the user's rules. */
const DEFAULTS: NsgRule[] = [
  {
    name: 'AllowVnetInBound',
    priority: 65000,
    direction: 'Inbound',
    access: 'Allow',
    protocol: '*',
    source: ['VirtualNetwork'],
    destination: ['VirtualNetwork'],
    ports: ['*'],
  },
  {
    name: 'AllowAzureLoadBalancerInBound',
    priority: 65001,
    direction: 'Inbound',
    access: 'Allow',
    protocol: '*',
    source: ['AzureLoadBalancer'],
    destination: ['*'],
    ports: ['*'],
  },
  {
    name: 'DenyAllInBound',
    priority: 65500,
    direction: 'Inbound',
    access: 'Deny',
    protocol: '*',
    source: ['*'],
    destination: ['*'],
    ports: ['*'],
  },
  {
    name: 'AllowVnetOutBound',
    priority: 65000,
    direction: 'Outbound',
    access: 'Allow',
    protocol: '*',
    source: ['VirtualNetwork'],
    destination: ['VirtualNetwork'],
    ports: ['*'],
  },
  {
    name: 'AllowInternetOutBound',
    priority: 65001,
    direction: 'Outbound',
    access: 'Allow',
    protocol: '*',
    source: ['*'],
    destination: ['Internet'],
    ports: ['*'],
  },
  {
    name: 'DenyAllOutBound',
    priority: 65500,
    direction: 'Outbound',
    access: 'Deny',
    protocol: '*',
    source: ['*'],
    destination: ['*'],
    ports: ['*'],
  },
];

export function terraformToNft(tf: { resource?: Record<string, Record<string, Json>> }, host: NsgHost): string {
  const rules: NsgRule[] = [];
  for (const r of Object.values(tf.resource?.azurerm_network_security_rule ?? {})) {
    if (r.network_security_group_name === host.nsg) rules.push(fromTerraform(r));
  }
  for (const [key, nsg] of Object.entries(tf.resource?.azurerm_network_security_group ?? {})) {
    if (nsg.name === host.nsg || `\${azurerm_network_security_group.${key}.name}` === host.nsg) {
      for (const r of (nsg.security_rule as Json[] | undefined) ?? []) rules.push(fromTerraform(r));
    }
  }
  const chain = (direction: 'Inbound' | 'Outbound') =>
    [
      ...rules.filter((r) => r.direction === direction).sort((a, b) => a.priority - b.priority),
      ...DEFAULTS.filter((r) => r.direction === direction),
    ].flatMap((r) => toNft(r, host));
  return renderTable([
    { name: 'nsg_in', hook: 'input', priority: 0, stateful: true, rules: chain('Inbound') },
    { name: 'nsg_out', hook: 'output', priority: 0, stateful: true, rules: chain('Outbound') },
  ]);
}

function fromTerraform(r: Json): NsgRule {
  const list = (one: unknown, many: unknown, asgs: unknown): string[] =>
    (asgs as string[] | undefined)?.length
      ? (asgs as string[]).map((id) => `asg:${id}`)
      : many
        ? (many as string[])
        : one !== undefined
          ? [String(one)]
          : ['*'];
  if (r.source_port_range !== undefined && r.source_port_range !== '*')
    throw new Error(`translator: source ports are not modelled (${r.name})`);
  return {
    name: String(r.name),
    priority: Number(r.priority),
    direction: r.direction as 'Inbound' | 'Outbound',
    access: r.access as 'Allow' | 'Deny',
    protocol: String(r.protocol),
    source: list(r.source_address_prefix, r.source_address_prefixes, r.source_application_security_group_ids),
    destination: list(
      r.destination_address_prefix,
      r.destination_address_prefixes,
      r.destination_application_security_group_ids,
    ),
    ports: r.destination_port_ranges
      ? (r.destination_port_ranges as string[])
      : [String(r.destination_port_range ?? '*')],
  };
}

function toNft(r: NsgRule, host: NsgHost): NftRule[] {
  const [remoteSpec, localSpec] = r.direction === 'Inbound' ? [r.source, r.destination] : [r.destination, r.source];
  const remote = addresses(remoteSpec, host, 'remote');
  const local = addresses(localSpec, host, 'local');
  if ((remote !== 'any' && remote.length === 0) || (local !== 'any' && local.length === 0)) return []; // matches nothing here
  const proto = ({ tcp: 'tcp', udp: 'udp', icmp: 'icmp', '*': 'all' } as Record<string, Proto>)[
    r.protocol.toLowerCase()
  ];
  if (!proto) throw new Error(`translator: unsupported protocol ${r.protocol}`);
  const verdict = r.access === 'Allow' ? 'accept' : 'drop';
  const ports = r.ports.includes('*') || proto === 'all' ? [undefined] : r.ports.map(parsePorts);
  return ports.map((p) => ({ remote, local, proto, ports: p, verdict, comment: `${r.priority} ${r.name}` }));
}

function addresses(spec: string[], host: NsgHost, side: 'remote' | 'local'): string[] | 'any' {
  if (spec.includes('*')) return 'any';
  return spec.flatMap((s) => {
    if (s.startsWith('asg:')) return host.asgs?.[s.slice(4)] ?? [];
    switch (s.toLowerCase()) {
      case 'virtualnetwork':
        return host.virtualNetwork;
      case 'internet':
        return ['0.0.0.0/0', '::/0'];
      case 'azureloadbalancer':
        return []; // no load balancer probes in the test network
      default:
        if (/^[A-Za-z]/.test(s)) throw new Error(`translator: unknown service tag ${s} (${side})`);
        return [s];
    }
  });
}

function parsePorts(p: string): { from: number; to: number } {
  const [from, to] = p.split('-').map(Number);
  return { from, to: to ?? from };
}
