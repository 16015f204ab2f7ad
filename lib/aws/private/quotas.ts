import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';
import { DestinationRule, Diagnostic, FirewallRule, formatPorts } from '../../core';
import { formatDiagnostic } from '../../core';
import { Diagnose } from '../../core/internal';

import { STACK_RESOURCE_LIMIT } from '../limits';

/** What the synth-time checks read of one endpoint. */
export interface EndpointQuotaView {
  readonly construct: IConstruct;
  readonly path: string;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly networkAcl?: ec2.INetworkAcl;
  readonly clientCount: number;
  readonly statefulRules: readonly FirewallRule[];
  readonly statelessRules: readonly DestinationRule[];
  readonly aggregate: boolean;
  readonly securityGroupRuleLimit: number;
  readonly networkAclRuleLimit: number;
  readonly warn: (d: Diagnostic) => void;
}

/** The security group quota error, the same at construction (our own rules) and at synth (the app's). */
export function securityGroupQuotaError(q: {
  count: number;
  family: 'ipv4' | 'ipv6';
  direction: 'ingress' | 'egress';
  limit: number;
  statefulRules: readonly FirewallRule[];
  aggregate: boolean;
  securityGroup: string;
}): Diagnostic {
  const ruleDirection = q.direction === 'ingress' ? 'inbound' : 'outbound';
  const mine = q.statefulRules.filter((r) => r.direction === ruleDirection);
  const each = mine.length;
  const groups = Math.ceil(q.count / q.limit);
  return Diagnose.securityGroupRuleLimit(
    `${q.securityGroup} would have ${q.count} ${q.family === 'ipv4' ? 'IPv4' : 'IPv6'} ${q.direction} rules; EC2 allows ${q.limit} per security group (quota "Inbound or outbound rules per security group"), so the deploy would fail with RulesPerSecurityGroupLimitExceeded. ` +
      `Each client takes ${each} rule${each === 1 ? '' : 's'} (${mine.map((r) => formatPorts(r.destinationPorts)).join(' and ')}); adjacent and nested client CIDRs were already merged${q.aggregate ? '' : ' (no: aggregateClients is false, set it to true first)'}.`,
    `narrow the clients to fewer networks; or split them over ${groups} FtpsEndpoint constructs with a security group each and attach all to the server (up to 5 per network interface); or raise the quota and set securityGroupRuleLimit (rules x groups per interface must stay within 1000).`,
  );
}

/**
 * The synth-time checks of one endpoint over the whole app: security group quotas (every rule anyone put in its
 * group), its network ACL's quota and rule numbers, and its stack's resource count. Checks shared with other
 * endpoints report once, from the first endpoint that shares the resource. Messages start with the path.
 */
export function validateEndpointAtSynth(
  e: EndpointQuotaView,
  index: AppIndex,
  endpoints: readonly EndpointQuotaView[],
): string[] {
  const errors: Diagnostic[] = [];
  if (e.clientCount === 0) {
    e.warn(
      Diagnose.noClients(
        'No client is allowed: the endpoint opens nothing.',
        'pass clients, or call allowClient(peer) / connections.allowDefaultPortFrom(x).',
      ),
    );
  }
  const limit = e.securityGroupRuleLimit;
  for (const direction of ['ingress', 'egress'] as const) {
    const count = index.countSecurityGroupRules(e.securityGroup, direction);
    for (const family of ['ipv4', 'ipv6'] as const) {
      if (count[family] <= limit) continue;
      errors.push(
        securityGroupQuotaError({
          count: count[family],
          family,
          direction,
          limit,
          statefulRules: e.statefulRules,
          aggregate: e.aggregate,
          securityGroup: `Security group ${e.securityGroup.node.path}`,
        }),
      );
    }
    for (const id of count.uncountedPrefixLists) {
      const each = e.statefulRules.filter((r) => r.direction === 'inbound').length;
      e.warn(
        Diagnose.prefixListUncounted(
          `Prefix list ${id} is not defined in this app, so its max entries (which count against the security group rule quota) are unknown; counted as 1.`,
          `make sure max entries x ${each} fits in ${limit} rules.`,
        ),
      );
    }
  }
  const stack = Stack.of(e.construct);
  if (e.networkAcl && endpoints.find((o) => o.networkAcl === e.networkAcl)?.construct === e.construct) {
    errors.push(...validateNetworkAcl(e, e.networkAcl, index));
  }
  if (endpoints.find((o) => Stack.of(o.construct) === stack)?.construct === e.construct) {
    errors.push(...validateStackSize(stack, index, endpoints));
  }
  return errors.map((d) => `[${e.path}] ${formatDiagnostic(d)}`);
}

function validateNetworkAcl(e: EndpointQuotaView, acl: ec2.INetworkAcl, index: AppIndex): Diagnostic[] {
  const errors: Diagnostic[] = [];
  const entries = index.networkAclEntries(acl);
  for (const egress of [false, true]) {
    const direction = egress ? 'outbound' : 'inbound';
    const mine = entries.filter((x) => x.egress === egress);
    if (mine.length > e.networkAclRuleLimit) {
      errors.push(
        Diagnose.naclRuleLimit(
          `Network ACL ${acl.node.path} would have ${mine.length} ${direction} rules; the quota is ${e.networkAclRuleLimit} per direction (networkAclRuleLimit), so the deploy would fail. ` +
            `Each CIDR client takes ${e.statelessRules.filter((r) => r.direction === direction).length} ${direction} rules.`,
          'narrow the clients to fewer networks (for example one covering CIDR), raise the quota (up to 40) and set networkAclRuleLimit, or rely on the security group alone for these clients.',
        ),
      );
    }
    const byNumber = new Map<string, string>();
    for (const x of mine) {
      const key = JSON.stringify(x.ruleNumber);
      const other = byNumber.get(key);
      if (other) {
        errors.push(
          Diagnose.naclRuleNumber(
            `Network ACL ${acl.node.path}: ${direction} rule number ${key} is used by both ${other} and ${x.path}.`,
            'set networkAclRuleNumberStart (and networkAclRuleNumberStep) so the FTPS entries avoid your own.',
          ),
        );
      }
      byNumber.set(key, x.path);
    }
  }
  return errors;
}

function validateStackSize(stack: Stack, index: AppIndex, endpoints: readonly EndpointQuotaView[]): Diagnostic[] {
  const resources = index.resourcesIn(stack);
  if (resources <= STACK_RESOURCE_LIMIT) return [];
  const mine = endpoints.filter((o) => Stack.of(o.construct) === stack);
  const ours = mine.reduce(
    (n, o) =>
      n + o.construct.node.findAll().filter((c) => CfnResource.isCfnResource(c) && Stack.of(c) === stack).length,
    0,
  );
  return [
    Diagnose.stackResourceLimit(
      `Stack ${stack.stackName} would have ${resources} resources; CloudFormation allows ${STACK_RESOURCE_LIMIT}, so the deploy would fail. ` +
        `Its ${mine.length} FTPS endpoint${mine.length === 1 ? '' : 's'} hold ${ours} (network ACL entries and rules that reference security groups or prefix lists are one resource each).`,
      'give clients as CIDRs (inline rules cost no resource) and merge them into fewer networks, use fewer network ACL entries, or spread the endpoints over several stacks.',
    ),
  ];
}

/** Rules that reference one security group, counted the way EC2 enforces its quota. */
export interface SecurityGroupRuleCount {
  readonly ipv4: number;
  readonly ipv6: number;
  /** Prefix lists whose size could not be found in the app (counted as 1). */
  readonly uncountedPrefixLists: string[];
}

type RuleJson = Record<string, unknown>;

/** A network ACL entry of the app, as EC2 sees it. */
export interface AclEntryInfo {
  readonly path: string;
  readonly egress: boolean;
  readonly ruleNumber: unknown;
}

/**
 * What quota checks need from the whole app, gathered in one walk of the construct tree, so that N
 * endpoints cost one walk per stack at synth time, not N.
 */
export class AppIndex {
  public readonly constructs: readonly IConstruct[];
  private readonly standalone = new Map<string, { ingress: RuleJson[]; egress: RuleJson[] }>();
  private readonly prefixLists = new Map<string, { maxEntries: number; family: string }>();
  private readonly aclEntries = new Map<string, AclEntryInfo[]>();

  constructor(root: IConstruct) {
    this.constructs = root.node.findAll();
    for (const c of this.constructs) {
      if (c instanceof ec2.CfnSecurityGroupIngress || c instanceof ec2.CfnSecurityGroupEgress) {
        const ingress = c instanceof ec2.CfnSecurityGroupIngress;
        const rule = Stack.of(c).resolve(
          ingress
            ? { groupId: c.groupId, cidrIp: c.cidrIp, cidrIpv6: c.cidrIpv6, sourcePrefixListId: c.sourcePrefixListId }
            : {
                groupId: c.groupId,
                cidrIp: c.cidrIp,
                cidrIpv6: c.cidrIpv6,
                destinationPrefixListId: (c as ec2.CfnSecurityGroupEgress).destinationPrefixListId,
              },
        ) as RuleJson;
        const key = JSON.stringify(rule.groupId);
        const entry = this.standalone.get(key) ?? { ingress: [], egress: [] };
        (ingress ? entry.ingress : entry.egress).push(rule);
        this.standalone.set(key, entry);
      } else if (c instanceof ec2.CfnPrefixList && typeof c.maxEntries === 'number') {
        const stack = Stack.of(c);
        const size = { maxEntries: c.maxEntries, family: c.addressFamily };
        this.prefixLists.set(JSON.stringify(stack.resolve(c.ref)), size);
        this.prefixLists.set(JSON.stringify(stack.resolve(c.attrPrefixListId)), size);
      } else if (c instanceof ec2.CfnNetworkAclEntry) {
        const stack = Stack.of(c);
        const key = JSON.stringify(stack.resolve(c.networkAclId));
        const list = this.aclEntries.get(key) ?? [];
        list.push({ path: c.node.path, egress: c.egress === true, ruleNumber: stack.resolve(c.ruleNumber) });
        this.aclEntries.set(key, list);
      }
    }
  }

  /**
   * Counts the ingress or egress rules of a security group: inline rules of its `AWS::EC2::SecurityGroup`
   * and standalone `SecurityGroupIngress`/`Egress` resources. IPv4 and IPv6 are counted separately; a
   * security group reference counts once in each; a prefix list counts its max entries.
   */
  public countSecurityGroupRules(sg: ec2.ISecurityGroup, direction: 'ingress' | 'egress'): SecurityGroupRuleCount {
    const stack = Stack.of(sg);
    const rules: RuleJson[] = [];
    const cfnSg = sg.node.defaultChild;
    if (cfnSg instanceof ec2.CfnSecurityGroup) {
      const inline = inlineRules(
        stack,
        direction === 'ingress' ? cfnSg.securityGroupIngress : cfnSg.securityGroupEgress,
      );
      rules.push(...inline.filter((r) => !isDisallowAllPlaceholder(r)));
    }
    if (this.standalone.size > 0) {
      rules.push(...(this.standalone.get(JSON.stringify(stack.resolve(sg.securityGroupId)))?.[direction] ?? []));
    }
    let ipv4 = 0;
    let ipv6 = 0;
    const uncountedPrefixLists: string[] = [];
    for (const rule of rules) {
      if (rule.cidrIp !== undefined) ipv4++;
      else if (rule.cidrIpv6 !== undefined) ipv6++;
      else if (rule.sourcePrefixListId !== undefined || rule.destinationPrefixListId !== undefined) {
        const id = JSON.stringify(stack.resolve(rule.sourcePrefixListId ?? rule.destinationPrefixListId));
        const size = this.prefixLists.get(id);
        if (size === undefined) uncountedPrefixLists.push(id);
        const n = size?.maxEntries ?? 1;
        if (size?.family !== 'IPv6') ipv4 += n;
        if (size?.family !== 'IPv4') ipv6 += n;
      } else {
        ipv4++;
        ipv6++;
      }
    }
    return { ipv4, ipv6, uncountedPrefixLists };
  }

  /** The entries of one network ACL found in the app. */
  public networkAclEntries(acl: ec2.INetworkAcl): AclEntryInfo[] {
    return this.aclEntries.get(JSON.stringify(Stack.of(acl).resolve(acl.networkAclId))) ?? [];
  }

  /** CloudFormation resources of one stack. */
  public resourcesIn(stack: Stack): number {
    return this.constructs.filter((c) => CfnResource.isCfnResource(c) && Stack.of(c) === stack).length;
  }
}

const BOX = Symbol.for('@aws-cdk/core.Box');

/**
 * The inline rules of a security group, unresolved: only which fields are present is counted, and tokens
 * inside the values may stay tokens. aws-cdk-lib keeps them in an internal array box whose `get()` is the
 * array; resolving the whole list instead (the fallback, for other shapes) costs more than the rest of the
 * quota check together. Prefix list ids are resolved one by one where they are compared.
 */
function inlineRules(stack: Stack, value: unknown): RuleJson[] {
  const box = value as { [BOX]?: unknown; get?: () => unknown } | undefined;
  if (typeof box === 'object' && box !== null && BOX in box && typeof box.get === 'function') {
    const rules = box.get();
    if (Array.isArray(rules) && rules.every((r) => typeof r === 'object' && r !== null && !Token.isUnresolved(r))) {
      return rules as RuleJson[];
    }
  }
  return (stack.resolve(value) as RuleJson[] | undefined) ?? [];
}

/** CDK's "no egress" placeholder (255.255.255.255/32, ICMP 252-86) is not a real rule. */
function isDisallowAllPlaceholder(rule: RuleJson): boolean {
  return (
    rule.cidrIp === '255.255.255.255/32' && rule.ipProtocol === 'icmp' && rule.fromPort === 252 && rule.toPort === 86
  );
}
