import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';

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
