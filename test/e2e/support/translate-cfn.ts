// Reads a synthesized CloudFormation template the way EC2 does and produces an nftables ruleset for one
// host. Test code only: imports nothing from lib/, and trusts nothing the constructs meant, only the JSON.
import { NftChain, NftRule, Proto, portRange, renderTable } from './nft';

type Json = Record<string, unknown>;
interface Template {
  Resources: Record<string, { Type: string; Properties?: Json }>;
}

export interface CfnHost {
  /** Logical id (or literal id) of the security group attached to this host. */
  readonly securityGroup?: string;
  /** Logical id (or literal id) of the network ACL of this host's subnet. */
  readonly networkAcl?: string;
  /** Addresses behind security group and prefix list references (logical ids, export names or literal ids). */
  readonly references?: Record<string, string[]>;
}

/** The nftables ruleset for a host: its security group (stateful) and network ACL (stateless), both must pass. */
export function cfnToNft(template: Template, host: CfnHost): string {
  const chains: NftChain[] = [];
  if (host.securityGroup) {
    const { ingress, egress } = securityGroupRules(template, host.securityGroup);
    chains.push({
      name: 'sg_in',
      hook: 'input',
      priority: 0,
      stateful: true,
      rules: ingress.map((r) => sgRule(r, 'Source', host)),
    });
    const out =
      egress === undefined
        ? [{ remote: 'any' as const, proto: 'all' as Proto, verdict: 'accept' as const, comment: 'EC2 default egress' }]
        : egress.map((r) => sgRule(r, 'Destination', host));
    chains.push({ name: 'sg_out', hook: 'output', priority: 0, stateful: true, rules: out });
  }
  if (host.networkAcl) {
    const entries = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::EC2::NetworkAclEntry' && refersTo(r.Properties!.NetworkAclId, host.networkAcl!))
      .map((r) => r.Properties!)
      .sort((a, b) => Number(a.RuleNumber) - Number(b.RuleNumber)); // ascending, first match wins
    for (const egress of [false, true]) {
      chains.push({
        name: egress ? 'nacl_out' : 'nacl_in',
        hook: egress ? 'output' : 'input',
        priority: -10,
        stateful: false,
        rules: entries.filter((e) => Boolean(e.Egress) === egress).map(aclRule),
      });
    }
  }
  return renderTable(chains);
}

function securityGroupRules(t: Template, sg: string): { ingress: Json[]; egress: Json[] | undefined } {
  const group = t.Resources[sg];
  const ingress = [...(((group?.Properties?.SecurityGroupIngress as Json[]) ?? []) as Json[])];
  let egress = group ? (group.Properties?.SecurityGroupEgress as Json[] | undefined) : [];
  for (const r of Object.values(t.Resources)) {
    if (r.Type === 'AWS::EC2::SecurityGroupIngress' && refersTo(r.Properties!.GroupId, sg)) ingress.push(r.Properties!);
    if (r.Type === 'AWS::EC2::SecurityGroupEgress' && refersTo(r.Properties!.GroupId, sg))
      egress = [...(egress ?? []), r.Properties!];
  }
  return { ingress, egress };
}

function sgRule(r: Json, side: 'Source' | 'Destination', host: CfnHost): NftRule {
  const remote = r.CidrIp
    ? [String(r.CidrIp)]
    : r.CidrIpv6
      ? [String(r.CidrIpv6)]
      : resolveRef(r[`${side}SecurityGroupId`] ?? r[`${side}PrefixListId`], host);
  const proto = protocol(r.IpProtocol);
  return {
    remote,
    proto,
    ports: proto === 'tcp' || proto === 'udp' ? portRange(r.FromPort, r.ToPort) : undefined,
    icmp: proto === 'icmp' ? { type: Number(r.FromPort ?? -1), code: Number(r.ToPort ?? -1) } : undefined,
    verdict: 'accept',
    comment: r.Description as string | undefined,
  };
}

function aclRule(e: Json): NftRule {
  const proto = protocol(e.Protocol);
  const range = e.PortRange as { From: number; To: number } | undefined;
  return {
    remote: [String(e.CidrBlock ?? e.Ipv6CidrBlock)],
    proto,
    ports:
      range && (proto === 'tcp' || proto === 'udp') ? { from: Number(range.From), to: Number(range.To) } : undefined,
    verdict: String(e.RuleAction).toLowerCase() === 'allow' ? 'accept' : 'drop',
    comment: `rule ${e.RuleNumber}`,
  };
}

function protocol(p: unknown): Proto {
  const s = String(p).toLowerCase();
  if (s === 'tcp' || s === '6') return 'tcp';
  if (s === 'udp' || s === '17') return 'udp';
  if (s === 'icmp' || s === '1') return 'icmp';
  if (s === '-1' || s === 'all') return 'all';
  throw new Error(`translator: unsupported protocol ${JSON.stringify(p)}`);
}

/** True if a CloudFormation value ({Ref}, {Fn::GetAtt}, literal) designates the given id. */
function refersTo(value: unknown, id: string): boolean {
  return refName(value) === id;
}

function refName(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const v = value as Json;
  if (v?.Ref) return String(v.Ref);
  if (Array.isArray(v?.['Fn::GetAtt'])) return String((v['Fn::GetAtt'] as unknown[])[0]);
  if (v?.['Fn::ImportValue']) return String(v['Fn::ImportValue']);
  return undefined;
}

function resolveRef(value: unknown, host: CfnHost): string[] {
  const name = refName(value);
  const addresses = name ? host.references?.[name] : undefined;
  if (!addresses) throw new Error(`translator: no addresses for reference ${JSON.stringify(value)}`);
  return addresses;
}

/**
 * Several stacks of one cloud assembly as one template, the way CloudFormation links them: every logical id is
 * prefixed with its stack (`Main.FtpsSecurityGroup1234`), references inside a stack follow, and an
 * `Fn::ImportValue` becomes a reference to what the exporting stack's output points at. Fails on an import no
 * stack exports (the deploy would fail the same way).
 */
export function linkStacks(stacks: Record<string, Template & { Outputs?: Json }>): Template {
  const exported = new Map<string, unknown>();
  for (const [name, t] of Object.entries(stacks)) {
    for (const output of Object.values(t.Outputs ?? {}) as Json[]) {
      const exportName = (output.Export as Json | undefined)?.Name;
      if (typeof exportName === 'string') exported.set(exportName, rewrite(output.Value, name, stacks[name]));
    }
  }
  const resources: Template['Resources'] = {};
  for (const [name, t] of Object.entries(stacks)) {
    for (const [id, r] of Object.entries(t.Resources)) {
      resources[`${name}.${id}`] = rewrite(r, name, t, exported) as Template['Resources'][string];
    }
  }
  return { Resources: resources };
}

function rewrite(value: unknown, stack: string, t: Template, exported?: Map<string, unknown>): unknown {
  if (Array.isArray(value)) return value.map((v) => rewrite(v, stack, t, exported));
  if (value === null || typeof value !== 'object') return value;
  const v = value as Json;
  if (typeof v.Ref === 'string' && t.Resources[v.Ref]) return { Ref: `${stack}.${v.Ref}` };
  if (Array.isArray(v['Fn::GetAtt']) && t.Resources[String(v['Fn::GetAtt'][0])]) {
    const [id, attr] = v['Fn::GetAtt'] as string[];
    return { 'Fn::GetAtt': [`${stack}.${id}`, attr] };
  }
  if (v['Fn::ImportValue'] !== undefined && exported) {
    const name = String(v['Fn::ImportValue']);
    if (!exported.has(name)) throw new Error(`translator: no stack exports ${name}`);
    return exported.get(name);
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rewrite(x, stack, t, exported)]));
}
