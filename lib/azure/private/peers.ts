import { Token } from 'cdktf';
import { ClientCidr, Diagnostic, aggregateCidrs, hostOrCidr, parseClientCidr, worldOpenWarning } from '../../core';

/** How Azure sees one peer entry. */
export type PeerKind = 'ipv4' | 'ipv6' | 'serviceTag' | 'token' | 'asg';

/** Peers that go into one NSG rule (Azure: many prefixes per rule, but one service tag, or up to 10 ASGs). */
export interface PeerGroup {
  readonly kind: PeerKind;
  /** Prefixes, one service tag, tokens, or application security group ids. */
  readonly values: readonly string[];
  /** Short label for the rule name: ipv4, ipv6, tag-internet, asg-1. */
  readonly label: string;
}

/** Azure's documented limits for one NSG rule and one NSG. */
export const MAX_PREFIXES_PER_RULE = 4000;
export const MAX_ASGS_PER_RULE = 10;
export const MAX_RULES_PER_NSG = 1000;

const SERVICE_TAG = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)?$/;
const WORLD_TAGS = new Set(['*', 'internet']);

export interface ClassifiedPeers {
  readonly groups: PeerGroup[];
  readonly diagnostics: Diagnostic[];
  /** Canonical entries, for deduplication and counting. */
  readonly count: number;
}

/**
 * Splits peer strings into NSG rule groups: IPv4 CIDRs (merged where adjacent or nested), IPv6 CIDRs, each
 * service tag alone, deploy-time tokens, and application security groups in tens. IPv4 and IPv6 are kept in
 * separate rules, which Azure always accepts. Bad entries become error diagnostics naming the entry.
 */
export function classifyPeers(
  what: string,
  values: readonly string[],
  asgIds: readonly string[],
  aggregate: boolean,
): ClassifiedPeers {
  const diagnostics: Diagnostic[] = [];
  const v4: ClientCidr[] = [];
  const v6: ClientCidr[] = [];
  const tags: string[] = [];
  const tokens: string[] = [];
  values.forEach((value, i) => {
    if (Token.isUnresolved(value)) {
      tokens.push(value);
      return;
    }
    if (typeof value === 'string' && (value === '*' || SERVICE_TAG.test(value.trim()))) {
      const tag = value.trim();
      if (!tags.includes(tag)) tags.push(tag);
      if (WORLD_TAGS.has(tag.toLowerCase())) diagnostics.push(worldOpenWarning(tag, what));
      return;
    }
    const parsed = parseClientCidr(value, { allowBareAddress: true, label: `[${i}]` });
    if (!parsed.ok) {
      diagnostics.push({
        ...parsed.diagnostic,
        message: `${parsed.diagnostic.message.replace(/^Client/, what)} (Azure also accepts one service tag, such as Internet or VirtualNetwork.)`,
      });
      return;
    }
    if (parsed.value.prefixLength === 0) diagnostics.push(worldOpenWarning(parsed.value.cidr, what));
    const list = parsed.value.family === 'ipv4' ? v4 : v6;
    if (!list.some((c) => c.cidr === parsed.value.cidr)) list.push(parsed.value);
  });

  const groups: PeerGroup[] = [];
  const cidrs = (list: ClientCidr[]) => (aggregate ? aggregateCidrs(list) : list).map((c) => hostOrCidr(c));
  if (v4.length > 0) groups.push({ kind: 'ipv4', values: cidrs(v4), label: 'ipv4' });
  if (v6.length > 0) groups.push({ kind: 'ipv6', values: cidrs(v6), label: 'ipv6' });
  if (tokens.length > 0) groups.push({ kind: 'token', values: tokens, label: 'prefixes' });
  for (const tag of tags)
    groups.push({
      kind: 'serviceTag',
      values: [tag],
      label: tag === '*' ? 'any' : `tag-${tag.toLowerCase().replace(/\./g, '-')}`,
    });
  const asgs = [...new Set(asgIds)];
  for (let i = 0; i < asgs.length; i += MAX_ASGS_PER_RULE) {
    groups.push({
      kind: 'asg',
      values: asgs.slice(i, i + MAX_ASGS_PER_RULE),
      label: `asg-${i / MAX_ASGS_PER_RULE + 1}`,
    });
  }
  for (const g of groups) {
    if ((g.kind === 'ipv4' || g.kind === 'ipv6') && g.values.length > MAX_PREFIXES_PER_RULE) {
      diagnostics.push({
        id: 'ftps-constructs:nsgPrefixLimit',
        level: 'error',
        message: `${what}s hold ${g.values.length} ${g.kind === 'ipv4' ? 'IPv4' : 'IPv6'} prefixes after merging adjacent and nested networks; one NSG rule takes at most ${MAX_PREFIXES_PER_RULE}. Fix: narrow them to fewer networks, or use an application security group or service tag.`,
      });
    }
  }
  return { groups, diagnostics, count: v4.length + v6.length + tags.length + tokens.length + asgs.length };
}
