import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ClientCidr, Diagnostic, aggregateCidrs, parseClientCidr, withoutCoveredCidrs } from '../../core';

/** What kind of client a peer or connectable is, as a firewall sees it. */
export type ClientKind = 'ipv4' | 'ipv6' | 'prefixList' | 'securityGroup';

/** A client, classified. `cidr` is set for CIDR peers whose value is known at synth time. */
export interface ClassifiedClient {
  readonly target: ec2.IConnectable;
  readonly kind: ClientKind;
  /** The raw value: a CIDR, a prefix list id or a security group id (may be a token). */
  readonly value: string;
  readonly cidr?: ClientCidr;
  /** A readable name for messages. */
  readonly label: string;
}

function isPeer(x: ec2.IConnectable): x is ec2.IPeer {
  return typeof (x as ec2.IPeer).toIngressRuleConfig === 'function' && typeof (x as ec2.IPeer).uniqueId === 'string';
}

/** Classifies a peer or connectable; returns an error diagnostic for a CIDR with host bits set. */
export function classifyClient(target: ec2.IConnectable): ClassifiedClient | Diagnostic {
  if (!isPeer(target) || ec2.SecurityGroup.isSecurityGroup(target)) {
    const label = isPeer(target)
      ? target.uniqueId
      : target.connections.securityGroups.map((sg) => sg.node.path).join(', ') || 'a connectable';
    return { target, kind: 'securityGroup', value: label, label };
  }
  const config = target.toIngressRuleConfig() as Record<string, string | undefined>;
  const kind: ClientKind | undefined =
    config.cidrIp !== undefined
      ? 'ipv4'
      : config.cidrIpv6 !== undefined
        ? 'ipv6'
        : config.sourcePrefixListId !== undefined
          ? 'prefixList'
          : config.sourceSecurityGroupId !== undefined
            ? 'securityGroup'
            : undefined;
  const value =
    config.cidrIp ?? config.cidrIpv6 ?? config.sourcePrefixListId ?? config.sourceSecurityGroupId ?? target.uniqueId;
  const label = Token.isUnresolved(value) ? `${kind ?? 'peer'} (a deploy-time value)` : value;
  if (kind === undefined) {
    return { target, kind: 'securityGroup', value, label };
  }
  if ((kind === 'ipv4' || kind === 'ipv6') && !Token.isUnresolved(value)) {
    const parsed = parseClientCidr(value);
    if (!parsed.ok) return parsed.diagnostic;
    return { target, kind, value, cidr: parsed.value, label: parsed.value.cidr };
  }
  return { target, kind, value, label };
}

const KIND_ORDER: Record<ClientKind, number> = { ipv4: 0, ipv6: 1, prefixList: 2, securityGroup: 3 };

/**
 * The clients to create rules for, in an order that depends on the set of clients only, never on the order
 * given: known CIDRs merged into the fewest networks (`aggregate`) or with networks inside another one dropped,
 * in address order (IPv4 first); then CIDR tokens, prefix lists and security groups by kind and value.
 */
export function normalizeClients(clients: readonly ClassifiedClient[], aggregate: boolean): ClassifiedClient[] {
  const cidrs = clients.filter((c) => c.cidr !== undefined);
  const byCidr = new Map(cidrs.map((c) => [c.cidr!.cidr, c]));
  const kept = (aggregate ? aggregateCidrs : withoutCoveredCidrs)(cidrs.map((c) => c.cidr!));
  const out: ClassifiedClient[] = kept.map((cidr) => {
    const original = byCidr.get(cidr.cidr);
    if (original) return original;
    const target = cidr.family === 'ipv4' ? ec2.Peer.ipv4(cidr.cidr) : ec2.Peer.ipv6(cidr.cidr);
    return { target, kind: cidr.family, value: cidr.cidr, cidr, label: cidr.cidr };
  });
  const rest = clients
    .filter((c) => c.cidr === undefined)
    .sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  return [...out, ...rest];
}
