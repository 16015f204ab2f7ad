// Reads synthesized output: a cdk.out directory, a cdktf.out directory, or one template file
// (CloudFormation JSON or Terraform JSON). Bad input throws InputError, which the CLI prints as one line.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parsePortRange } from '../../core';
import { Opening, Protocol, flagsFor } from './openings';

export class InputError extends Error {}

type Json = Record<string, unknown>;

/** The largest template or manifest read: a synthesized stack is at most a few MB (500 resources). */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;
/** Nesting deeper than this is not a template: refused before any recursive walk. */
const MAX_DEPTH = 64;

/**
 * The kind of a path, checked before anything is read: only a regular file or a directory is read; a FIFO, a
 * device or a socket would block or never end (`/dev/zero`), so it is refused.
 */
function kindOf(input: string): 'file' | 'directory' {
  let st: fs.Stats;
  try {
    st = fs.statSync(input);
  } catch {
    throw new InputError(`${input}: no such file or directory`);
  }
  if (st.isDirectory()) return 'directory';
  if (!st.isFile()) {
    const what = st.isFIFO()
      ? 'a FIFO'
      : st.isSocket()
        ? 'a socket'
        : st.isCharacterDevice() || st.isBlockDevice()
          ? 'a device'
          : 'not a regular file';
    throw new InputError(`${input}: ${what}, not a template file or a cdk.out/cdktf.out directory`);
  }
  if (st.size > MAX_INPUT_BYTES) {
    throw new InputError(
      `${input}: ${st.size} bytes, more than the ${MAX_INPUT_BYTES / 1024 / 1024} MiB a synthesized template can be`,
    );
  }
  return 'file';
}

/** A file a manifest names, which must stay inside its directory (never echoing what lies outside). */
function inside(dir: string, name: unknown, where: string): string {
  if (typeof name !== 'string' || name === '')
    throw new InputError(`${dir}/manifest.json: ${where} is not a file name`);
  const file = path.resolve(dir, name);
  const rel = path.relative(path.resolve(dir), file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new InputError(
      `${dir}/manifest.json: ${where} (${JSON.stringify(name)}) points outside the directory; refused`,
    );
  }
  if (kindOf(file) !== 'file') throw new InputError(`${file}: a directory, not a template file`);
  return file;
}

/** The deepest nesting of a JSON value, counted without recursion (a 200k-deep value must not overflow). */
function depthOf(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d > max) max = d;
    if (d > MAX_DEPTH) return d;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

/** Structural checks of the parts of a template the reader uses: each names the file and the JSON path. */
class Shape {
  constructor(private readonly file: string) {}

  public fail(at: string, expected: string, value: unknown): never {
    const got = value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value;
    throw new InputError(
      `${this.file}: ${at}: expected ${expected}, got ${got}; not a template this reader understands`,
    );
  }

  public object(v: unknown, at: string): Json {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(at, 'an object', v);
    return v as Json;
  }

  public optionalObject(v: unknown, at: string): Json | undefined {
    return v === undefined ? undefined : this.object(v, at);
  }

  /** A list of objects, or undefined. */
  public objects(v: unknown, at: string): Json[] {
    if (v === undefined) return [];
    if (!Array.isArray(v)) this.fail(at, 'a list', v);
    return (v as unknown[]).map((item, i) => this.object(item, `${at}[${i}]`));
  }

  /** A string, a number, or an intrinsic function object (a deploy-time value). */
  public scalar(v: unknown, at: string): void {
    if (v !== undefined && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') this.object(v, at);
  }

  public strings(v: unknown, at: string): string[] | undefined {
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) this.fail(at, 'a list of strings', v);
    (v as unknown[]).forEach((item, i) => {
      if (typeof item !== 'string') this.fail(`${at}[${i}]`, 'a string', item);
    });
    return v as string[];
  }
}

/** Cloud assembly schema majors this reader knows (aws-cdk-lib 2.x writes these). */
export const CDK_OUT_VERSIONS = { min: 30, max: 55 };

export function readOpenings(input: string): Opening[] {
  if (input === '') throw new InputError('an empty path: give a cdk.out or cdktf.out directory, or a template file');
  if (kindOf(input) === 'directory') {
    const manifestFile = path.join(input, 'manifest.json');
    if (fs.existsSync(manifestFile) && kindOf(manifestFile) === 'file') {
      const manifest = readJson(manifestFile);
      if (manifest.artifacts !== undefined) return readCdkOut(input, manifest);
      if (manifest.stacks !== undefined) return readCdktfOut(input, manifest);
    }
    throw new InputError(`${input}: not a cdk.out or cdktf.out directory (no manifest.json with artifacts or stacks)`);
  }
  const json = readJson(input);
  const name = path.basename(input).replace(/\.(template\.json|tf\.json|json)$/, '');
  if (json.Resources !== undefined) return fromCloudFormation(name, json, new Shape(input));
  if (json.resource !== undefined || json.terraform !== undefined) return fromTerraform(name, json, new Shape(input));
  throw new InputError(`${input}: neither a CloudFormation template (no Resources) nor Terraform JSON (no resource)`);
}

function readJson(file: string): Json {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read (${(e as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not a JSON template (${(e as Error).message.split('\n')[0].slice(0, 120)})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(`${file}: not a JSON object`);
  }
  if (depthOf(value) > MAX_DEPTH)
    throw new InputError(`${file}: nested deeper than ${MAX_DEPTH} levels; not a template`);
  return value as Json;
}

function readCdkOut(dir: string, manifest: Json): Opening[] {
  const major = Number(String(manifest.version ?? '').split('.')[0]);
  if (!Number.isInteger(major) || major < CDK_OUT_VERSIONS.min || major > CDK_OUT_VERSIONS.max) {
    throw new InputError(
      `${dir}: cloud assembly schema version ${JSON.stringify(manifest.version)} is not supported (${CDK_OUT_VERSIONS.min}.x-${CDK_OUT_VERSIONS.max}.x); synthesize with aws-cdk-lib 2.x or upgrade ftps-rules`,
    );
  }
  const shape = new Shape(path.join(dir, 'manifest.json'));
  const stacks: Array<{ name: string; template: Json; file: string }> = [];
  for (const [name, value] of Object.entries(shape.object(manifest.artifacts, '$.artifacts'))) {
    const artifact = shape.object(value, `$.artifacts.${name}`);
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const props = shape.optionalObject(artifact.properties, `$.artifacts.${name}.properties`);
    if (props?.templateFile === undefined) continue;
    const file = inside(dir, props.templateFile, `$.artifacts.${name}.properties.templateFile`);
    stacks.push({ name, template: readJson(file), file });
  }
  // A standalone egress rule in one stack may add to a group of another (a cross-stack reference): the group's
  // default egress is then gone too, whichever template states the rule.
  const exports = new Map<string, string>();
  for (const { name, template } of stacks) {
    const outputs = template.Outputs as Json | undefined;
    if (!outputs || typeof outputs !== 'object') continue;
    const pathOf = pathIn(name, template);
    for (const output of Object.values(outputs)) {
      const o = output as Json | null;
      const exportName = (o?.Export as Json | undefined)?.Name;
      if (typeof exportName === 'string') exports.set(exportName, refText(o!.Value, pathOf));
    }
  }
  const resolve = (target: string) => {
    const imported = /^import:"(.*)"$/.exec(target);
    return imported ? (exports.get(imported[1]) ?? target) : target;
  };
  const egressTo = new Set<string>();
  for (const { name, template } of stacks) {
    for (const target of standaloneEgressTargets(template, pathIn(name, template))) egressTo.add(resolve(target));
  }
  return stacks.flatMap(({ name, template, file }) =>
    fromCloudFormation(name, template, new Shape(file), egressTo, resolve),
  );
}

/** A template's logical id to its construct path (CDK metadata), else `stack/id`. */
function pathIn(stack: string, template: Json): (id: string) => string {
  const resources = template.Resources as Json | undefined;
  return (id: string) => {
    const metadata = (resources?.[id] as Json | undefined)?.Metadata as Json | undefined;
    const p = metadata?.['aws:cdk:path'];
    return typeof p === 'string' ? p : `${stack}/${id}`;
  };
}

/** The groups that standalone egress resources of a template add rules to, as reference texts. */
function standaloneEgressTargets(template: Json, pathOf: (id: string) => string): string[] {
  const resources = template.Resources as Json | undefined;
  const out: string[] = [];
  if (!resources || typeof resources !== 'object') return out;
  for (const value of Object.values(resources)) {
    const r = value as Json | null;
    if (r && typeof r === 'object' && r.Type === 'AWS::EC2::SecurityGroupEgress') {
      const props = r.Properties as Json | undefined;
      if (props && typeof props === 'object') out.push(refText(props.GroupId, pathOf));
    }
  }
  return out;
}

function readCdktfOut(dir: string, manifest: Json): Opening[] {
  const shape = new Shape(path.join(dir, 'manifest.json'));
  const out: Opening[] = [];
  for (const [name, value] of Object.entries(shape.object(manifest.stacks, '$.stacks'))) {
    const stack = shape.object(value, `$.stacks.${name}`);
    const file = inside(dir, stack.synthesizedStackPath, `$.stacks.${name}.synthesizedStackPath`);
    out.push(...fromTerraform(name, readJson(file), new Shape(file)));
  }
  return out;
}

// ---- CloudFormation: security groups (stateful, allow only) and network ACL entries (stateless) ----

function fromCloudFormation(
  stack: string,
  template: Json,
  shape: Shape,
  egressFromOtherTemplates: ReadonlySet<string> = new Set(),
  resolveImport: (group: string) => string = (g) => g,
): Opening[] {
  const resources = shape.object(template.Resources, '$.Resources');
  const out: Opening[] = [];
  const pathOf = pathIn(stack, template);
  const add = (o: Omit<Opening, 'flags'>) => out.push({ ...o, flags: flagsFor(o) });
  // Groups that standalone egress resources of this template add rules to. CloudFormation adds the default
  // allow-all egress only to a group created with no egress rules, and a standalone egress rule removes it
  // (CloudFormation's AWS::EC2::SecurityGroup reference; aws-cdk issue #987 and PR #998, where CDK made
  // allowAllOutbound a property for that reason). The end-to-end translator reads templates the same way.
  // Rules of other templates of the same cloud assembly count too (resolved through their exports).
  const standaloneEgressTo = new Set([...egressFromOtherTemplates, ...standaloneEgressTargets(template, pathOf)]);
  for (const [id, value] of Object.entries(resources)) {
    const at = `$.Resources.${id}`;
    const r = shape.object(value, at);
    if (typeof r.Type !== 'string') shape.fail(`${at}.Type`, 'a string', r.Type);
    shape.optionalObject(r.Metadata, `${at}.Metadata`);
    const p = shape.optionalObject(r.Properties, `${at}.Properties`) ?? {};
    const key = `${stack}/${id}`;
    if (r.Type === 'AWS::EC2::SecurityGroup') {
      for (const [field, direction] of [
        ['SecurityGroupIngress', 'inbound'],
        ['SecurityGroupEgress', 'outbound'],
      ] as const) {
        shape.objects(p[field], `${at}.Properties.${field}`).forEach((rule, i) => {
          const o = sgOpening(
            stack,
            key,
            pathOf(id),
            pathOf(id),
            direction,
            rule,
            shape,
            `${at}.Properties.${field}[${i}]`,
          );
          add(o);
        });
      }
      if (p.SecurityGroupEgress === undefined && !standaloneEgressTo.has(pathOf(id))) {
        add({
          stack,
          key,
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
      shape.scalar(p.GroupId, `${at}.Properties.GroupId`);
      // A group of another stack of the assembly is named by its own path, not by the export that carries its id.
      const group = resolveImport(refText(p.GroupId, pathOf));
      add(
        sgOpening(
          stack,
          key,
          pathOf(id),
          group,
          r.Type.endsWith('Ingress') ? 'inbound' : 'outbound',
          p,
          shape,
          `${at}.Properties`,
        ),
      );
    } else if (r.Type === 'AWS::EC2::NetworkAclEntry') {
      for (const field of [
        'Protocol',
        'CidrBlock',
        'Ipv6CidrBlock',
        'RuleAction',
        'RuleNumber',
        'Egress',
        'NetworkAclId',
      ])
        shape.scalar(p[field], `${at}.Properties.${field}`);
      const range = shape.optionalObject(p.PortRange, `${at}.Properties.PortRange`);
      const icmp = shape.optionalObject(p.Icmp, `${at}.Properties.Icmp`);
      const protocol = protocolOf(p.Protocol);
      add({
        stack,
        key,
        resource: pathOf(id),
        firewall: 'network ACL',
        group: refText(p.NetworkAclId, pathOf),
        direction: p.Egress === true || p.Egress === 'true' ? 'outbound' : 'inbound',
        protocol,
        ports:
          protocol === 'icmp'
            ? icmp
              ? { from: Number(icmp.Type), to: Number(icmp.Code) }
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
  key: string,
  resource: string,
  group: string,
  direction: 'inbound' | 'outbound',
  rule: Json,
  shape: Shape,
  at: string,
): Omit<Opening, 'flags'> {
  const side = direction === 'inbound' ? 'Source' : 'Destination';
  for (const field of [
    'IpProtocol',
    'CidrIp',
    'CidrIpv6',
    'FromPort',
    'ToPort',
    'Description',
    `${side}SecurityGroupId`,
    `${side}PrefixListId`,
  ])
    shape.scalar(rule[field], `${at}.${field}`);
  const base = { stack, key, resource, firewall: 'security group', group, direction, stateful: true } as const;
  if (isDisallowAllPlaceholder(rule)) {
    // aws-cdk-lib's stand-in for "no egress": a rule that matches nothing, so the group allows nothing out.
    return {
      ...base,
      protocol: 'all',
      peer: '-',
      action: 'none',
      description:
        Number(rule.ToPort) === 87
          ? 'no other egress (ftps-constructs placeholder: matches no traffic)'
          : 'no egress (CDK placeholder: matches no traffic)',
    };
  }
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
    ...base,
    protocol,
    ports,
    peer,
    action: 'allow',
    description: typeof rule.Description === 'string' ? rule.Description : undefined,
  };
}

/**
 * A "no egress" rule: ICMP type 252 to 255.255.255.255/32, which no packet matches (a VPC never routes the
 * limited-broadcast address): aws-cdk-lib's placeholder (code 86) or ftps-constructs' (code 87, kept beside
 * standalone rules so the group never gets EC2's default allow-all).
 */
function isDisallowAllPlaceholder(rule: Json): boolean {
  return (
    rule.CidrIp === '255.255.255.255/32' &&
    String(rule.IpProtocol).toLowerCase() === 'icmp' &&
    Number(rule.FromPort) === 252 &&
    (Number(rule.ToPort) === 86 || Number(rule.ToPort) === 87)
  );
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

function fromTerraform(stack: string, tf: Json, shape: Shape): Opening[] {
  const resources = shape.optionalObject(tf.resource, '$.resource') ?? {};
  const typed = (type: string) => {
    const all = shape.optionalObject(resources[type], `$.resource.${type}`) ?? {};
    return Object.entries(all).map(([key, r]) => [key, shape.object(r, `$.resource.${type}.${key}`)] as const);
  };
  const out: Opening[] = [];
  const pathOf = (r: Json, key: string) => {
    const p = ((r['//'] as Json | undefined)?.metadata as Json | undefined)?.path;
    return typeof p === 'string' ? p : `${stack}/${key}`;
  };
  const add = (key: string, resource: string, group: string, rule: Json, at: string) => {
    for (const field of ['protocol', 'direction', 'access', 'priority', 'description', 'destination_port_range'])
      shape.scalar(rule[field], `${at}.${field}`);
    const protocol = protocolOf(String(rule.protocol) === '*' ? 'all' : rule.protocol);
    const direction = String(rule.direction).toLowerCase() === 'outbound' ? 'outbound' : 'inbound';
    const remote = direction === 'inbound' ? 'source' : 'destination';
    const peers = addresses(rule, remote, shape, at);
    const ports = shape.strings(rule.destination_port_ranges, `${at}.destination_port_ranges`) ?? [
      String(rule.destination_port_range ?? '*'),
    ];
    ports.forEach((p, i) => {
      if (p !== '*' && parseRange(p) === undefined)
        shape.fail(
          `${at}.destination_port_range${rule.destination_port_ranges ? `s[${i}]` : ''}`,
          'a port, a range or "*"',
          p,
        );
    });
    for (const peer of peers) {
      for (const p of ports) {
        const o: Omit<Opening, 'flags'> = {
          stack,
          key,
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
          description: typeof rule.description === 'string' ? rule.description : undefined,
        };
        out.push({ ...o, flags: flagsFor(o) });
      }
    }
  };
  // Rules name their NSG by reference when it is in the same stack: show its name instead.
  const nsgs = typed('azurerm_network_security_group');
  const nsgNames = new Map(
    nsgs.map(([key, nsg]) => [`\${azurerm_network_security_group.${key}.name}`, String(nsg.name)]),
  );
  for (const [key, rule] of typed('azurerm_network_security_rule')) {
    const group = String(rule.network_security_group_name);
    add(
      `${stack}/azurerm_network_security_rule.${key}`,
      pathOf(rule, key),
      nsgNames.get(group) ?? group,
      rule,
      `$.resource.azurerm_network_security_rule.${key}`,
    );
  }
  for (const [key, nsg] of nsgs) {
    shape
      .objects(nsg.security_rule, `$.resource.azurerm_network_security_group.${key}.security_rule`)
      .forEach((rule, i) =>
        add(
          `${stack}/azurerm_network_security_group.${key}/${i}`,
          pathOf(nsg, key),
          String(nsg.name),
          rule,
          `$.resource.azurerm_network_security_group.${key}.security_rule[${i}]`,
        ),
      );
  }
  return out;
}

function addresses(rule: Json, side: 'source' | 'destination', shape: Shape, at: string): string[] {
  const asgs = shape.strings(
    rule[`${side}_application_security_group_ids`],
    `${at}.${side}_application_security_group_ids`,
  );
  if (asgs?.length) return asgs.map((a) => `asg:${a}`);
  const many = shape.strings(rule[`${side}_address_prefixes`], `${at}.${side}_address_prefixes`);
  if (many?.length) return many;
  shape.scalar(rule[`${side}_address_prefix`], `${at}.${side}_address_prefix`);
  return [String(rule[`${side}_address_prefix`] ?? '*')];
}

/** `21` or `50000-50004` by the core's one parser; anything else covers every port. */
function parseRange(p: string): { from: number; to: number } | undefined {
  return parsePortRange(p);
}
