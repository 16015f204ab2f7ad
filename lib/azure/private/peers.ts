import { Token } from 'cdktf';
import { ClientCidr, Diagnostic, aggregateCidrs, hostOrCidr, parseClientCidr, withoutCoveredCidrs } from '../../core';
import { Diagnose, describeValue, worldOpenWarning } from '../../core/internal';
import { checkServiceTag } from './service-tags';

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

/** What a service tag looks like (letters first, one optional `.Region`); anything else is read as an address. */
const SERVICE_TAG = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+){0,2}$/;
const WORLD_TAGS = new Set(['*', 'internet']);

/**
 * One address entry as Azure takes it: a CIDR, a single address, "*" or a documented service tag. Returns the
 * canonical form, or a diagnostic naming the entry. Tokens pass unchanged.
 */
export function checkAddressEntry(
  what: string,
  label: string,
  value: unknown,
  extraTags: readonly string[],
): { kind: 'cidr'; cidr: ClientCidr } | { kind: 'tag'; tag: string } | { kind: 'token'; value: string } | Diagnostic {
  if (typeof value === 'string' && Token.isUnresolved(value)) return { kind: 'token', value };
  if (typeof value === 'string' && (value.trim() === '*' || SERVICE_TAG.test(value.trim()))) {
    const tag = value.trim();
    const checked = checkServiceTag(tag, extraTags);
    if (checked.ok) return { kind: 'tag', tag: checked.tag };
    return Diagnose.unknownServiceTag(
      `${what} ${label} ${describeValue(value)} is neither an address nor a service tag Azure documents, so terraform apply would fail.`,
      `${checked.suggestion ? `did you mean "${checked.suggestion}"? Otherwise ` : ''}give a CIDR such as "203.0.113.0/24", a documented service tag (Internet, VirtualNetwork, Storage.WestEurope), or list a newer tag in additionalServiceTags.`,
    );
  }
  const parsed = parseClientCidr(value, { allowBareAddress: true, label });
  if (!parsed.ok) {
    return {
      ...parsed.diagnostic,
      message: `${parsed.diagnostic.message.replace(/^Client/, what)} (Azure also accepts one service tag, such as Internet or VirtualNetwork.)`,
    };
  }
  return { kind: 'cidr', cidr: parsed.value };
}

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
  values: readonly unknown[],
  asgIds: readonly string[],
  aggregate: boolean,
  extraTags: readonly string[] = [],
): ClassifiedPeers {
  const diagnostics: Diagnostic[] = [];
  const v4: ClientCidr[] = [];
  const v6: ClientCidr[] = [];
  const tags: string[] = [];
  const tokens: string[] = [];
  values.forEach((value, i) => {
    const entry = checkAddressEntry(what, `[${i}]`, value, extraTags);
    if ('level' in entry) {
      diagnostics.push(entry);
    } else if (entry.kind === 'token') {
      tokens.push(entry.value);
    } else if (entry.kind === 'tag') {
      if (!tags.includes(entry.tag)) tags.push(entry.tag);
      if (WORLD_TAGS.has(entry.tag.toLowerCase())) diagnostics.push(worldOpenWarning(entry.tag, what));
    } else {
      if (entry.cidr.prefixLength === 0) diagnostics.push(worldOpenWarning(entry.cidr.cidr, what));
      const list = entry.cidr.family === 'ipv4' ? v4 : v6;
      if (!list.some((c) => c.cidr === entry.cidr.cidr)) list.push(entry.cidr);
    }
  });
  // Tags in a fixed order, so the rules do not depend on the order the peers were given in.
  tags.sort();

  const groups: PeerGroup[] = [];
  const cidrs = (list: ClientCidr[]) =>
    (aggregate ? aggregateCidrs : withoutCoveredCidrs)(list).map((c) => hostOrCidr(c));
  if (v4.length > 0) groups.push({ kind: 'ipv4', values: cidrs(v4), label: 'ipv4' });
  if (v6.length > 0) groups.push({ kind: 'ipv6', values: cidrs(v6), label: 'ipv6' });
  if (tokens.length > 0) groups.push({ kind: 'token', values: tokens, label: 'prefixes' });
  for (const tag of tags)
    groups.push({
      kind: 'serviceTag',
      values: [tag],
      label: tag === '*' ? 'any' : `tag-${tag.toLowerCase().replace(/\./g, '-')}`,
    });
  const asgs = [...new Set(asgIds)].sort();
  for (let i = 0; i < asgs.length; i += MAX_ASGS_PER_RULE) {
    groups.push({
      kind: 'asg',
      values: asgs.slice(i, i + MAX_ASGS_PER_RULE),
      label: `asg-${i / MAX_ASGS_PER_RULE + 1}`,
    });
  }
  for (const g of groups) {
    if ((g.kind === 'ipv4' || g.kind === 'ipv6') && g.values.length > MAX_PREFIXES_PER_RULE) {
      diagnostics.push(
        Diagnose.nsgPrefixLimit(
          `${what}s hold ${g.values.length} ${g.kind === 'ipv4' ? 'IPv4' : 'IPv6'} prefixes after merging adjacent and nested networks; one NSG rule takes at most ${MAX_PREFIXES_PER_RULE}.`,
          'narrow them to fewer networks, or use an application security group or service tag.',
        ),
      );
    }
  }
  return { groups, diagnostics, count: v4.length + v6.length + tags.length + tokens.length + asgs.length };
}
