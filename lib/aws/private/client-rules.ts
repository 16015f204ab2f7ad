// The stateful rules of one client, on both sides, shared by FtpsEndpoint and an endpoint imported by attributes.
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { FirewallRule } from '../../core';
import { ClassifiedClient } from './clients';
import { keepEgressClosed, rulesGoWithClient } from './placement';

/** The stateful rules of an endpoint and their CDK ports, by index. */
export interface StatefulRuleSet {
  readonly statefulRules: readonly FirewallRule[];
  readonly statefulPorts: readonly ec2.Port[];
}

/**
 * Adds every stateful rule for one client: the endpoint group's ingress (and egress in active mode), and for a
 * client with security groups their egress (and ingress in active mode), each pair placed so that only the
 * consumer's stack depends on the provider's ({@link rulesGoWithClient}). With `serverSide: false` (an imported
 * group this app may not change) only the client's side is added.
 */
export function addClientRules(
  endpointGroup: ec2.ISecurityGroup,
  rules: StatefulRuleSet,
  client: ClassifiedClient,
  serverSide = true,
): void {
  const groups = client.kind === 'securityGroup' ? client.target.connections.securityGroups : [];
  for (let r = 0; r < rules.statefulRules.length; r++) {
    const { direction, purpose } = rules.statefulRules[r];
    const port = rules.statefulPorts[r];
    if (groups.length === 0) {
      // A CIDR, prefix list or bare group id: only our side has a rule to hold.
      if (!serverSide) continue;
      if (direction === 'inbound') endpointGroup.addIngressRule(client.target as ec2.IPeer, port, purpose);
      else addEgress(endpointGroup, client.target as ec2.IPeer, port, purpose, false);
      continue;
    }
    for (const group of groups) {
      // CDK's `remoteRule` flag creates a rule in its peer's stack.
      const withClient = rulesGoWithClient(endpointGroup, group);
      if (direction === 'inbound') {
        if (serverSide) endpointGroup.addIngressRule(group, port, purpose, withClient);
        addEgress(group, endpointGroup, port, purpose, !withClient);
      } else {
        group.addIngressRule(endpointGroup, port, purpose, !withClient);
        if (serverSide) addEgress(endpointGroup, group, port, purpose, withClient);
      }
    }
  }
}

/** Egress on `group`, skipped when it allows all outbound anyway (CDK would only warn), kept closed otherwise. */
function addEgress(group: ec2.ISecurityGroup, peer: ec2.IPeer, port: ec2.Port, purpose: string, remote: boolean) {
  if (group.allowAllOutbound) return;
  group.addEgressRule(peer, port, purpose, remote);
  // A rule to a security group is standalone: keep the group's inline egress from becoming empty.
  if (!peer.canInlineRule) keepEgressClosed(group);
}
