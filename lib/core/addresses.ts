import * as ipaddr from 'ipaddr.js';
import { IPv4CidrRange, IPv6CidrRange, Pool } from 'ip-num';
import { Diagnostic, DiagnosticIds, error, warning } from './diagnostics';

export type AddressFamily = 'ipv4' | 'ipv6';

/** A validated client network in canonical form (`203.0.113.0/24`, `2001:db8::/32`). */
export interface ClientCidr {
  readonly cidr: string;
  readonly family: AddressFamily;
  readonly prefixLength: number;
}

export interface ParseCidrOptions {
  /** Accept a bare address as a single host (/32 or /128) instead of asking for the prefix length. */
  readonly allowBareAddress?: boolean;
  /** Where the value came from, for messages (`clients[2]`). */
  readonly label?: string;
}

export type ParseCidrResult =
  { readonly ok: true; readonly value: ClientCidr } | { readonly ok: false; readonly diagnostic: Diagnostic };

/**
 * Parses one client CIDR with ipaddr.js: strict dotted-quad IPv4 (no octal or short forms), IPv6, a prefix
 * length, and no host bits set. Errors say what was wrong and what was probably meant.
 */
export function parseClientCidr(value: string, options: ParseCidrOptions = {}): ParseCidrResult {
  const label = options.label ? `${options.label} ` : '';
  const fail = (why: string): ParseCidrResult => ({
    ok: false,
    diagnostic: error(DiagnosticIds.INVALID_CLIENT, `Client ${label}${JSON.stringify(value)} ${why}`),
  });
  if (typeof value !== 'string') return fail('is not a string: give a CIDR such as "203.0.113.0/24".');
  const text = value.trim();
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? undefined : text.slice(slash + 1);

  const address = parseAddress(addressText);
  if (!address) {
    return fail(
      'is not an IPv4 or IPv6 CIDR: expected an address and a prefix length such as "203.0.113.0/24" or "2001:db8::/32", with nothing else around it.',
    );
  }
  const family: AddressFamily = address.kind() === 'ipv4' ? 'ipv4' : 'ipv6';
  const maxPrefix = family === 'ipv4' ? 32 : 128;
  if (prefixText === undefined) {
    const host = `${address.toString()}/${maxPrefix}`;
    if (options.allowBareAddress) return { ok: true, value: { cidr: host, family, prefixLength: maxPrefix } };
    return fail(`has no prefix length. Did you mean "${host}" (this host only)?`);
  }
  if (!/^(0|[1-9]\d{0,2})$/.test(prefixText) || Number(prefixText) > maxPrefix) {
    return fail(
      `has an invalid prefix length "${prefixText}": an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} prefix length is 0-${maxPrefix}.`,
    );
  }
  const prefixLength = Number(prefixText);
  const network = networkAddress(address, prefixLength);
  const canonical = `${network}/${prefixLength}`;
  const given = address.toString();
  if (network !== given) {
    return fail(`has host bits set. Did you mean "${canonical}"? (or "${given}/${maxPrefix}" for the single host)`);
  }
  return { ok: true, value: { cidr: canonical, family, prefixLength } };
}

/** Result of validating a list of client CIDRs. */
export interface ClientValidation {
  /** The clients that parsed, canonical, in input order, duplicates removed. */
  readonly clients: ClientCidr[];
  /** Errors for clients that did not parse, warnings for world-open ones. */
  readonly diagnostics: Diagnostic[];
}

/** Parses every client; reports all bad values at once and warns on world-open ones. */
export function validateClientCidrs(
  values: readonly string[],
  options: Omit<ParseCidrOptions, 'label'> = {},
): ClientValidation {
  const clients: ClientCidr[] = [];
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  values.forEach((value, i) => {
    const result = parseClientCidr(value, { ...options, label: `[${i}]` });
    if (!result.ok) {
      diagnostics.push(result.diagnostic);
      return;
    }
    if (seen.has(result.value.cidr)) return;
    seen.add(result.value.cidr);
    clients.push(result.value);
    if (isWorld(result.value)) diagnostics.push(worldOpenWarning(result.value.cidr));
  });
  return { clients, diagnostics };
}

/** True for 0.0.0.0/0 and ::/0. */
export function isWorld(client: ClientCidr): boolean {
  return client.prefixLength === 0;
}

/** The world-open warning, shared by every backend so the id and wording stay the same. */
export function worldOpenWarning(peer: string, role = 'Client'): Diagnostic {
  return warning(
    DiagnosticIds.WORLD_OPEN,
    `${role} ${peer} is the whole Internet: the FTPS control port and passive range are open to anyone. Fix: name the client networks, or acknowledge this warning if the server is public on purpose.`,
  );
}

/**
 * Merges adjacent and contained networks into the fewest CIDRs covering exactly the same addresses
 * (ip-num's aggregation), per family: IPv4 first, then IPv6, each sorted.
 */
export function aggregateCidrs(clients: readonly ClientCidr[]): ClientCidr[] {
  const v4 = clients.filter((c) => c.family === 'ipv4');
  const v6 = clients.filter((c) => c.family === 'ipv6');
  const out: ClientCidr[] = [];
  if (v4.length === 1) out.push(v4[0]);
  else if (v4.length > 1) {
    const pool = Pool.fromCidrRanges(v4.map((c) => IPv4CidrRange.fromCidr(c.cidr)));
    for (const range of pool.aggregate().getRanges()) {
      out.push(canonical(range.toCidrRange().toCidrString()));
    }
  }
  if (v6.length === 1) out.push(v6[0]);
  else if (v6.length > 1) {
    const pool = Pool.fromCidrRanges(v6.map((c) => IPv6CidrRange.fromCidr(c.cidr)));
    for (const range of pool.aggregate().getRanges()) {
      out.push(canonical(range.toCidrRange().toCidrString()));
    }
  }
  return out;
}

/** True when `address` (a bare address) lies inside `client`. */
export function cidrContains(client: ClientCidr, address: string): boolean {
  const addr = parseAddress(address);
  if (!addr) return false;
  const [net, len] = ipaddr.parseCIDR(client.cidr);
  return addr.kind() === net.kind() && addr.match(net, len);
}

function canonical(cidr: string): ClientCidr {
  const result = parseClientCidr(cidr);
  if (!result.ok) throw new Error(`internal: aggregation produced an invalid CIDR ${cidr}`);
  return result.value;
}

function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (text.includes(':') && ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
  return undefined;
}

function networkAddress(address: ipaddr.IPv4 | ipaddr.IPv6, prefixLength: number): string {
  if (address.kind() === 'ipv4') {
    // 32-bit arithmetic: the common case, and several times cheaper than formatting and re-parsing a CIDR.
    const [a, b, c, d] = (address as ipaddr.IPv4).octets;
    const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
    const n = ((((a << 24) | (b << 16) | (c << 8) | d) >>> 0) & mask) >>> 0;
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  }
  return ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${prefixLength}`).toString();
}

/** True when every address of `inner` lies inside `outer` (same family). */
export function cidrCovers(outer: ClientCidr, inner: ClientCidr): boolean {
  if (outer.family !== inner.family || outer.prefixLength > inner.prefixLength) return false;
  return cidrContains(outer, inner.cidr.slice(0, inner.cidr.lastIndexOf('/')));
}

/** A single host reads as its address (`203.0.113.7`); a network as its CIDR (`203.0.113.0/24`). */
export function hostOrCidr(client: ClientCidr): string {
  const isHost = client.prefixLength === (client.family === 'ipv4' ? 32 : 128);
  return isHost ? client.cidr.slice(0, client.cidr.lastIndexOf('/')) : client.cidr;
}
