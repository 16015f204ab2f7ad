// Where the rules between the endpoint's security group and a client's security group are created, so that
// composing stacks never makes a dependency cycle; and how a client group that allowed nothing outbound stays so.
import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';

/**
 * True when both rules of a client/server pair belong in the client's stack: the client's stack then depends on
 * the endpoint's (it reads the endpoint's group id), never the reverse. That is the consumer's side, and the one
 * CDK's own placement gets wrong (`Connections.allowFrom` puts the ingress, which names the client's group, in
 * the server's stack: the server's stack then depends on every consumer, a cycle as soon as the consumer reads
 * anything of the server's stack, such as its VPC).
 *
 * The exception: a client whose stack the endpoint's stack already depends on (`addDependency`, or a nested
 * stack's parent chain), such as a bastion in the network stack the endpoint's stack builds on. Its rules go to
 * the endpoint's stack, which may read the client's group id without a cycle.
 */
export function rulesGoWithClient(endpointGroup: ec2.ISecurityGroup, clientGroup: ec2.ISecurityGroup): boolean {
  const server = Stack.of(endpointGroup);
  const client = Stack.of(clientGroup);
  if (server === client) return true; // same stack: where they go does not matter; keep CDK's ids
  return !dependsOn(server, client);
}

/** Whether `a` depends on `b`, directly or through other stacks, as declared so far. */
function dependsOn(a: Stack, b: Stack): boolean {
  const seen = new Set<Stack>();
  const todo: Stack[] = [a];
  while (todo.length > 0) {
    const s = todo.pop()!;
    if (s === b) return true;
    if (seen.has(s)) continue;
    seen.add(s);
    todo.push(...s.dependencies);
    // A nested stack is deployed by its parent: its parent's dependencies are its own.
    if (s.nestedStackParent) todo.push(s.nestedStackParent);
  }
  return false;
}

/**
 * A rule that no packet matches (ICMP type 252 code 87 to the limited-broadcast address, which a VPC never
 * routes): kept inline in a client group that allowed nothing outbound, so that group's template always states
 * at least one egress rule. Distinct from aws-cdk-lib's own placeholder (code 86), which CDK deletes as soon as
 * any egress rule is added, inline or standalone.
 */
export const KEEP_CLOSED_PEER = ec2.Peer.ipv4('255.255.255.255/32');
export const KEEP_CLOSED_PORT = ec2.Port.icmpTypeAndCode(252, 87);
export const KEEP_CLOSED_DESCRIPTION = 'ftps-constructs: no other egress (matches no traffic)';

const closedGroups = new WeakSet<ec2.ISecurityGroup>();

/**
 * Keeps a security group made with `allowAllOutbound: false` closed after an egress rule to another security
 * group was added to it. Such a rule is a standalone `AWS::EC2::SecurityGroupEgress`, and aws-cdk-lib removes its
 * "Disallow all traffic" placeholder when adding it, leaving the group with no inline egress at all. EC2 then
 * creates the group with its default allow-all egress (CloudFormation's AWS::EC2::SecurityGroup reference: "if
 * you do not add egress rules, we add egress rules that allow all outbound IPv4 and IPv6 traffic"), and whether
 * a standalone rule strips that default again is an observation in CDK's history (aws-cdk #987, PR #998), not a
 * documented contract; it also cannot happen before the rule's stack deploys, which for a cross-stack rule may
 * be much later. A never-matching inline rule makes the group's egress exactly the rules added, at every moment.
 */
export function keepEgressClosed(group: ec2.ISecurityGroup): void {
  if (!(group instanceof ec2.SecurityGroup) || group.allowAllOutbound || closedGroups.has(group)) return;
  closedGroups.add(group);
  group.addEgressRule(KEEP_CLOSED_PEER, KEEP_CLOSED_PORT, KEEP_CLOSED_DESCRIPTION);
}
