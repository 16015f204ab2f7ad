import { FtpsFlow, Side } from './flows';
import { PortRange } from './ftps-options';

/** Whether a firewall tracks connections (replies allowed by state) or filters each packet alone. */
export enum FirewallKind {
  /** AWS security groups, Azure NSGs, nftables with conntrack: allow the opening direction only. */
  STATEFUL = 'stateful',
  /** AWS network ACLs, plain packet filters: allow both directions explicitly. */
  STATELESS = 'stateless',
}

/** Direction of a rule relative to the host whose firewall holds it. */
export type Direction = 'inbound' | 'outbound';

/** One allow rule, as plain data a backend renders. Peers are abstract (`client`, `server`); backends fill in addresses. */
export interface FirewallRule {
  /** The host whose firewall holds this rule. */
  readonly side: Side;
  readonly direction: Direction;
  readonly protocol: 'tcp';
  readonly source: Side;
  readonly sourcePorts: PortRange;
  readonly destination: Side;
  /** The ports a cloud rule filters on (security group, NACL and NSG port fields are destination ports). */
  readonly destinationPorts: PortRange;
  /** True for the reply direction of a flow, needed only by stateless firewalls. */
  readonly reply: boolean;
  readonly flow: FtpsFlow;
  /** Human description: the flow's purpose, prefixed with "Replies: " for the reply direction. */
  readonly purpose: string;
}

/**
 * Projects flows onto one host's firewall: the opening direction of each flow, plus, for a stateless
 * firewall, the reply direction. The only place where directions are decided.
 */
export function project(flows: readonly FtpsFlow[], side: Side, kind: FirewallKind): FirewallRule[] {
  const rules: FirewallRule[] = [];
  for (const flow of flows) {
    const responder: Side = flow.opener === 'client' ? 'server' : 'client';
    const portsOf = (s: Side) => (s === 'client' ? flow.clientPorts : flow.serverPorts);
    const directionOn = (source: Side): Direction => (source === side ? 'outbound' : 'inbound');
    rules.push({
      side,
      direction: directionOn(flow.opener),
      protocol: 'tcp',
      source: flow.opener,
      sourcePorts: portsOf(flow.opener),
      destination: responder,
      destinationPorts: portsOf(responder),
      reply: false,
      flow,
      purpose: flow.purpose,
    });
    if (kind === FirewallKind.STATELESS) {
      rules.push({
        side,
        direction: directionOn(responder),
        protocol: 'tcp',
        source: responder,
        sourcePorts: portsOf(responder),
        destination: flow.opener,
        destinationPorts: portsOf(flow.opener),
        reply: true,
        flow,
        purpose: `Replies: ${flow.purpose}`,
      });
    }
  }
  return rules;
}

/** Server side, stateful (AWS security group, Azure NSG): the opening direction of each flow. */
export function statefulServerRules(flows: readonly FtpsFlow[]): FirewallRule[] {
  return project(flows, 'server', FirewallKind.STATEFUL);
}

/** Server side, stateless (AWS network ACL): both directions, replies to the clients' ephemeral range. */
export function statelessServerRules(flows: readonly FtpsFlow[]): FirewallRule[] {
  return project(flows, 'server', FirewallKind.STATELESS);
}

/** Client side, stateful (a client's security group or NSG): the mirror image of the server side. */
export function clientRules(flows: readonly FtpsFlow[]): FirewallRule[] {
  return project(flows, 'client', FirewallKind.STATEFUL);
}

/** Client side, stateless (a client subnet's network ACL). */
export function statelessClientRules(flows: readonly FtpsFlow[]): FirewallRule[] {
  return project(flows, 'client', FirewallKind.STATELESS);
}

/** A rule as a filter that matches destination ports only sees it (cloud rules: SG, NACL, NSG). */
export interface DestinationRule {
  readonly direction: Direction;
  readonly protocol: 'tcp';
  readonly source: Side;
  readonly destination: Side;
  readonly destinationPorts: PortRange;
  /** True when every merged rule is a reply (needed by stateless firewalls only). */
  readonly reply: boolean;
  /** The rules this one stands for. */
  readonly rules: readonly FirewallRule[];
  /** The purposes of the merged rules, joined with "; ". */
  readonly purpose: string;
}

/**
 * Merges rules that a destination-port filter cannot tell apart: same direction, peers and destination
 * ports (a stateless server's replies from 21 and from the passive range both go to the clients' ephemeral
 * range, so they are one network ACL entry). Order of first appearance is kept.
 */
export function byDestination(rules: readonly FirewallRule[]): DestinationRule[] {
  const groups = new Map<string, FirewallRule[]>();
  for (const r of rules) {
    const key = `${r.direction} ${r.source} ${r.destination} ${r.destinationPorts.from}-${r.destinationPorts.to}`;
    const group = groups.get(key);
    if (group) group.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()].map((group) => ({
    direction: group[0].direction,
    protocol: 'tcp',
    source: group[0].source,
    destination: group[0].destination,
    destinationPorts: group[0].destinationPorts,
    reply: group.every((r) => r.reply),
    rules: group,
    purpose: group.map((r) => r.purpose).join('; '),
  }));
}
