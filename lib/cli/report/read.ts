// Reads synthesized output: a cdk.out directory, a cdktf.out directory, or one template file
// (CloudFormation JSON or Terraform JSON). Bad input throws InputError, which the CLI prints as one line.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Opening, Protocol, flagsFor } from './openings';

export class InputError extends Error {}

type Json = Record<string, unknown>;

/** Cloud assembly schema majors this reader knows (aws-cdk-lib 2.x writes these). */
export const CDK_OUT_VERSIONS = { min: 30, max: 55 };

export function readOpenings(input: string): Opening[] {
  if (!fs.existsSync(input)) throw new InputError(`${input}: no such file or directory`);
  if (fs.statSync(input).isDirectory()) {
    if (fs.existsSync(path.join(input, 'manifest.json'))) {
      const manifest = readJson(path.join(input, 'manifest.json'));
      if (manifest.artifacts !== undefined) return readCdkOut(input, manifest);
      if (manifest.stacks !== undefined) return readCdktfOut(input, manifest);
    }
    throw new InputError(`${input}: not a cdk.out or cdktf.out directory (no manifest.json with artifacts or stacks)`);
  }
  const json = readJson(input);
  const name = path.basename(input).replace(/\.(template\.json|tf\.json|json)$/, '');
  if (json.Resources !== undefined) return fromCloudFormation(name, json);
  if (json.resource !== undefined || json.terraform !== undefined) return fromTerraform(name, json);
  throw new InputError(`${input}: neither a CloudFormation template (no Resources) nor Terraform JSON (no resource)`);
}

function readJson(file: string): Json {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read (${(e as Error).message})`);
  }
  try {
    const value = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value;
  } catch (e) {
    throw new InputError(`${file}: not a JSON template (${(e as Error).message.split('\n')[0]})`);
  }
}

function readCdkOut(dir: string, manifest: Json): Opening[] {
  const major = Number(String(manifest.version ?? '').split('.')[0]);
  if (!Number.isInteger(major) || major < CDK_OUT_VERSIONS.min || major > CDK_OUT_VERSIONS.max) {
    throw new InputError(
      `${dir}: cloud assembly schema version ${JSON.stringify(manifest.version)} is not supported (${CDK_OUT_VERSIONS.min}.x-${CDK_OUT_VERSIONS.max}.x); synthesize with aws-cdk-lib 2.x or upgrade ftps-rules`,
    );
  }
  const out: Opening[] = [];
  for (const [name, artifact] of Object.entries(manifest.artifacts as Record<string, Json>)) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const file = (artifact.properties as Json | undefined)?.templateFile as string | undefined;
    if (file) out.push(...fromCloudFormation(name, readJson(path.join(dir, file))));
  }
  return out;
}

function readCdktfOut(dir: string, manifest: Json): Opening[] {
  const out: Opening[] = [];
  for (const [name, stack] of Object.entries(manifest.stacks as Record<string, Json>)) {
    out.push(...fromTerraform(name, readJson(path.join(dir, String(stack.synthesizedStackPath)))));
  }
  return out;
}

// ---- CloudFormation: security groups (stateful, allow only) and network ACL entries (stateless) ----

function fromCloudFormation(stack: string, template: Json): Opening[] {
  const resources = template.Resources as Record<string, { Type: string; Properties?: Json; Metadata?: Json }>;
  const out: Opening[] = [];
  const pathOf = (id: string) => String(resources[id]?.Metadata?.['aws:cdk:path'] ?? `${stack}/${id}`);
  const add = (o: Omit<Opening, 'flags'>) => out.push({ ...o, flags: flagsFor(o) });
  for (const [id, r] of Object.entries(resources)) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::EC2::SecurityGroup') {
      for (const [list, direction] of [
        [p.SecurityGroupIngress, 'inbound'],
        [p.SecurityGroupEgress, 'outbound'],
      ] as const) {
        for (const rule of (list as Json[] | undefined) ?? [])
          add(sgOpening(stack, pathOf(id), pathOf(id), direction, rule));
      }
      if (p.SecurityGroupEgress === undefined) {
        add({
          stack,
          resource: pathOf(id),
          firewall: 'security group',
          group: pathOf(id),
          direction: 'outbound',
          protocol: 'all',
          peer: '0.0.0.0/0',
          action: 'allow',
          stateful: true,
          description: 'EC2 default egress (no egress rules given)',
        });
      }
    } else if (r.Type === 'AWS::EC2::SecurityGroupIngress' || r.Type === 'AWS::EC2::SecurityGroupEgress') {
      const group = refText(p.GroupId, pathOf);
      add(sgOpening(stack, pathOf(id), group, r.Type.endsWith('Ingress') ? 'inbound' : 'outbound', p));
    } else if (r.Type === 'AWS::EC2::NetworkAclEntry') {
      const range = p.PortRange as { From: number; To: number } | undefined;
      const protocol = protocolOf(p.Protocol);
      const icmp = p.Icmp as { Type: number; Code: number } | undefined;
      add({
        stack,
        resource: pathOf(id),
        firewall: 'network ACL',
        group: refText(p.NetworkAclId, pathOf),
        direction: p.Egress ? 'outbound' : 'inbound',
        protocol,
        ports:
          protocol === 'icmp'
            ? icmp
              ? { from: icmp.Type, to: icmp.Code }
              : undefined
            : range && protocol !== 'all'
              ? { from: Number(range.From), to: Number(range.To) }
              : undefined,
        peer: String(p.CidrBlock ?? p.Ipv6CidrBlock),
        action: String(p.RuleAction).toLowerCase() === 'deny' ? 'deny' : 'allow',
        stateful: false,
        order: Number(p.RuleNumber),
      });
    }
  }
  return out;
}

function sgOpening(
  stack: string,
  resource: string,
  group: string,
  direction: 'inbound' | 'outbound',
  rule: Json,
): Omit<Opening, 'flags'> {
  const side = direction === 'inbound' ? 'Source' : 'Destination';
  const protocol = protocolOf(rule.IpProtocol);
  const peer =
    rule.CidrIp !== undefined
      ? String(rule.CidrIp)
      : rule.CidrIpv6 !== undefined
        ? String(rule.CidrIpv6)
        : rule[`${side}SecurityGroupId`] !== undefined
          ? `sg:${refText(rule[`${side}SecurityGroupId`], (x) => x)}`
          : `prefix-list:${refText(rule[`${side}PrefixListId`], (x) => x)}`;
  const from = Number(rule.FromPort ?? -1);
  const ports = protocol === 'all' || from === -1 ? undefined : { from, to: Number(rule.ToPort ?? from) };
  return {
    stack,
    resource,
    firewall: 'security group',
    group,
    direction,
    protocol,
    ports,
    peer,
    action: 'allow',
    stateful: true,
    description: rule.Description as string | undefined,
  };
}

function protocolOf(p: unknown): Protocol {
  const s = String(p).toLowerCase();
  return s === 'tcp' || s === '6'
    ? 'tcp'
    : s === 'udp' || s === '17'
      ? 'udp'
      : s === 'icmp' || s === '1'
        ? 'icmp'
        : 'all';
}

/** A reference as text: the logical id's path for {Ref}/{Fn::GetAtt}, the export for {Fn::ImportValue}, literals as they are. */
function refText(v: unknown, pathOf: (id: string) => string): string {
  if (typeof v === 'string') return v;
  const o = v as Json;
  if (o?.Ref) return pathOf(String(o.Ref));
  if (Array.isArray(o?.['Fn::GetAtt'])) return pathOf(String((o['Fn::GetAtt'] as unknown[])[0]));
  if (o?.['Fn::ImportValue']) return `import:${JSON.stringify(o['Fn::ImportValue'])}`;
  return JSON.stringify(v);
}

// ---- Terraform (azurerm): NSG rules, standalone and inline (stateful, priorities) ----

function fromTerraform(stack: string, tf: Json): Opening[] {
  const resources = (tf.resource ?? {}) as Record<string, Record<string, Json>>;
  const out: Opening[] = [];
  const pathOf = (r: Json, key: string) =>
    String(((r['//'] as Json | undefined)?.metadata as Json | undefined)?.path ?? `${stack}/${key}`);
  const add = (resource: string, group: string, rule: Json) => {
    const protocol = protocolOf(String(rule.protocol) === '*' ? 'all' : rule.protocol);
    const direction = String(rule.direction).toLowerCase() === 'outbound' ? 'outbound' : 'inbound';
    const remote = direction === 'inbound' ? 'source' : 'destination';
    const peers = addresses(rule, remote);
    const ports = (rule.destination_port_ranges as string[] | undefined) ?? [
      String(rule.destination_port_range ?? '*'),
    ];
    for (const peer of peers) {
      for (const p of ports) {
        const o: Omit<Opening, 'flags'> = {
          stack,
          resource,
          firewall: 'NSG',
          group,
          direction,
          protocol,
          ports: p === '*' || protocol === 'all' ? undefined : parseRange(p),
          peer,
          action: String(rule.access).toLowerCase() === 'deny' ? 'deny' : 'allow',
          stateful: true,
          order: Number(rule.priority),
          description: rule.description as string | undefined,
        };
        out.push({ ...o, flags: flagsFor(o) });
      }
    }
  };
  // Rules name their NSG by reference when it is in the same stack: show its name instead.
  const nsgNames = new Map(
    Object.entries(resources.azurerm_network_security_group ?? {}).map(([key, nsg]) => [
      `\${azurerm_network_security_group.${key}.name}`,
      String(nsg.name),
    ]),
  );
  for (const [key, rule] of Object.entries(resources.azurerm_network_security_rule ?? {})) {
    const group = String(rule.network_security_group_name);
    add(pathOf(rule, key), nsgNames.get(group) ?? group, rule);
  }
  for (const [key, nsg] of Object.entries(resources.azurerm_network_security_group ?? {})) {
    for (const rule of (nsg.security_rule as Json[] | undefined) ?? []) add(pathOf(nsg, key), String(nsg.name), rule);
  }
  return out;
}

function addresses(rule: Json, side: 'source' | 'destination'): string[] {
  const asgs = rule[`${side}_application_security_group_ids`] as string[] | undefined;
  if (asgs?.length) return asgs.map((a) => `asg:${a}`);
  const many = rule[`${side}_address_prefixes`] as string[] | undefined;
  if (many?.length) return many;
  return [String(rule[`${side}_address_prefix`] ?? '*')];
}

function parseRange(p: string): { from: number; to: number } {
  const [from, to] = p.split('-').map(Number);
  return { from, to: to ?? from };
}
