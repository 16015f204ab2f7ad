import { Stack } from 'aws-cdk-lib';
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

/**
 * Counts the ingress or egress rules of a security group in the synthesized app: inline rules of its
 * `AWS::EC2::SecurityGroup` and standalone `SecurityGroupIngress`/`Egress` resources. IPv4 and IPv6 are
 * counted separately; a security group reference counts once in each; a prefix list counts its max entries.
 */
export function countSecurityGroupRules(
  sg: ec2.ISecurityGroup,
  direction: 'ingress' | 'egress',
): SecurityGroupRuleCount {
  const stack = Stack.of(sg);
  const sgId = JSON.stringify(stack.resolve(sg.securityGroupId));
  const rules: RuleJson[] = [];
  const cfnSg = sg.node.defaultChild;
  if (cfnSg instanceof ec2.CfnSecurityGroup) {
    const inline = stack.resolve(direction === 'ingress' ? cfnSg.securityGroupIngress : cfnSg.securityGroupEgress) as
      RuleJson[] | undefined;
    rules.push(...(inline ?? []).filter((r) => !isDisallowAllPlaceholder(r)));
  }
  for (const c of sg.node.root.node.findAll()) {
    const standalone =
      direction === 'ingress'
        ? c instanceof ec2.CfnSecurityGroupIngress && {
            groupId: c.groupId,
            cidrIp: c.cidrIp,
            cidrIpv6: c.cidrIpv6,
            sourcePrefixListId: c.sourcePrefixListId,
          }
        : c instanceof ec2.CfnSecurityGroupEgress && {
            groupId: c.groupId,
            cidrIp: c.cidrIp,
            cidrIpv6: c.cidrIpv6,
            destinationPrefixListId: c.destinationPrefixListId,
          };
    if (!standalone) continue;
    const resolved = Stack.of(c).resolve(standalone) as RuleJson;
    if (JSON.stringify(resolved.groupId) === sgId) rules.push(resolved);
  }
  const prefixLists = prefixListSizes(sg.node.root);
  let ipv4 = 0;
  let ipv6 = 0;
  const uncountedPrefixLists: string[] = [];
  for (const rule of rules) {
    const v = (k: string) => rule[k];
    if (v('cidrIp') !== undefined) ipv4++;
    else if (v('cidrIpv6') !== undefined) ipv6++;
    else if (v('sourcePrefixListId') !== undefined || v('destinationPrefixListId') !== undefined) {
      const id = JSON.stringify(v('sourcePrefixListId') ?? v('destinationPrefixListId'));
      const size = prefixLists.get(id);
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

/** CDK's "no egress" placeholder (255.255.255.255/32, ICMP 252-86) is not a real rule. */
function isDisallowAllPlaceholder(rule: RuleJson): boolean {
  return (
    rule.cidrIp === '255.255.255.255/32' && rule.ipProtocol === 'icmp' && rule.fromPort === 252 && rule.toPort === 86
  );
}

function prefixListSizes(root: IConstruct): Map<string, { maxEntries: number; family: string }> {
  const out = new Map<string, { maxEntries: number; family: string }>();
  for (const c of root.node.findAll()) {
    if (c instanceof ec2.CfnPrefixList && typeof c.maxEntries === 'number') {
      const stack = Stack.of(c);
      out.set(JSON.stringify(stack.resolve(c.ref)), { maxEntries: c.maxEntries, family: c.addressFamily });
      out.set(JSON.stringify(stack.resolve(c.attrPrefixListId)), { maxEntries: c.maxEntries, family: c.addressFamily });
    }
  }
  return out;
}

/** A network ACL entry of the app, as EC2 sees it. */
export interface AclEntryInfo {
  readonly path: string;
  readonly egress: boolean;
  readonly ruleNumber: unknown;
}

/** The entries of one network ACL found in the app (entries in the same stack as the ACL reference). */
export function networkAclEntries(acl: ec2.INetworkAcl): AclEntryInfo[] {
  const aclId = JSON.stringify(Stack.of(acl).resolve(acl.networkAclId));
  const out: AclEntryInfo[] = [];
  for (const c of acl.node.root.node.findAll()) {
    if (c instanceof ec2.CfnNetworkAclEntry && JSON.stringify(Stack.of(c).resolve(c.networkAclId)) === aclId) {
      out.push({ path: c.node.path, egress: c.egress === true, ruleNumber: Stack.of(c).resolve(c.ruleNumber) });
    }
  }
  return out;
}
