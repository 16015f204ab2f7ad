// The openings a synthesized app makes, read from CloudFormation and Terraform JSON, whoever made the rules.
import { PortRange, formatPorts, portCount } from '../../core';

export type Protocol = 'tcp' | 'udp' | 'icmp' | 'all';

/** One allow or deny rule as a firewall applies it. Directions are relative to what the firewall protects. */
export interface Opening {
  /** Stack (CloudFormation) or Terraform stack the rule comes from. */
  readonly stack: string;
  /**
   * The rule's resource by a name every synthesis method gives it: stack and logical id (CloudFormation), stack
   * and Terraform address. `cdk synth` and an app's own synth agree on it, where construct paths may not.
   */
  readonly key: string;
  /** Construct path, or stack/logical id when the template carries no path. */
  readonly resource: string;
  /** `security group`, `network ACL` or `NSG`. */
  readonly firewall: 'security group' | 'network ACL' | 'NSG';
  /** The security group, ACL or NSG the rule belongs to. */
  readonly group: string;
  readonly direction: 'inbound' | 'outbound';
  readonly protocol: Protocol;
  /** Destination ports; undefined for all ports. */
  readonly ports?: PortRange;
  /** The other side: a CIDR, `sg:<id>`, `prefix-list:<id>`, a service tag, `*`. */
  readonly peer: string;
  /** `none`: a rule that matches no traffic (aws-cdk-lib's "no egress" placeholder). */
  readonly action: 'allow' | 'deny' | 'none';
  readonly stateful: boolean;
  /** NACL rule number or NSG priority. */
  readonly order?: number;
  readonly description?: string;
  /** `world`: the peer is the whole Internet; `wide`: inbound to more ports than an FTPS passive range needs. */
  readonly flags: readonly Flag[];
}

export type Flag = 'world' | 'wide';

/** Inbound ranges above this many ports are flagged: FTPS passive ranges are tens to a few hundred ports. */
export const WIDE_PORT_RANGE = 1000;

const WORLD = new Set(['0.0.0.0/0', '::/0', '*', 'internet', 'any']);

export function flagsFor(o: Omit<Opening, 'flags'>): Flag[] {
  const flags: Flag[] = [];
  if (o.action === 'allow' && WORLD.has(o.peer.toLowerCase())) flags.push('world');
  const count = o.ports ? portCount(o.ports) : 65536;
  if (o.action === 'allow' && o.direction === 'inbound' && o.protocol !== 'icmp' && count > WIDE_PORT_RANGE)
    flags.push('wide');
  return flags;
}

export function portsText(o: Pick<Opening, 'ports' | 'protocol'>): string {
  if (o.protocol === 'icmp') return o.ports ? `type ${o.ports.from} code ${o.ports.to}` : 'all';
  return o.ports ? formatPorts(o.ports) : 'all';
}

/** A key that identifies "the same opening" across two synthesized outputs. */
export function openingKey(o: Opening): string {
  return [o.key, o.direction, o.protocol, portsText(o), o.peer, o.action].join('|');
}
