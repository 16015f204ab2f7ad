import * as ipaddr from 'ipaddr.js';
import { Diagnose, Diagnostic } from './diagnostics';
import { describeValue } from './private/checks';

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
export function parseClientCidr(value: unknown, options: ParseCidrOptions = {}): ParseCidrResult {
  const label = options.label ? `${options.label} ` : '';
  const example = 'give a CIDR such as "203.0.113.0/24" or "2001:db8::/32"';
  const fail = (why: string, fix: string = `${example}.`): ParseCidrResult => ({
    ok: false,
    diagnostic: Diagnose.invalidClient(`Client ${label}${describeValue(value)} ${why}`, fix),
  });
  if (typeof value !== 'string') return fail(`is not a string.`);
  const text = value.trim();
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? undefined : text.slice(slash + 1);

  if (addressText.includes('%')) {
    return fail(
      'has an IPv6 zone id (the part after "%"), which names an interface of one host and means nothing to a firewall.',
      `remove the zone id and give a network, e.g. ${example}.`,
    );
  }
  const address = parseAddress(addressText);
  if (!address) {
    return fail(
      'is not an IPv4 or IPv6 CIDR: expected an address and a prefix length, with nothing else around it.',
      `${example}.`,
    );
  }
  const family: AddressFamily = address.kind() === 'ipv4' ? 'ipv4' : 'ipv6';
  const maxPrefix = family === 'ipv4' ? 32 : 128;
  if (family === 'ipv6' && (addressText.includes('.') || (address as ipaddr.IPv6).isIPv4MappedAddress())) {
    // Cloud firewalls see IPv4 packets as IPv4: a mapped address matches nothing (and ipaddr.js reads the
    // deprecated "::a.b.c.d" form as mapped, changing the address).
    const v4 = (address as ipaddr.IPv6).isIPv4MappedAddress()
      ? (address as ipaddr.IPv6).toIPv4Address().toString()
      : undefined;
    const n = prefixText === undefined ? 32 : Number(prefixText) - 96;
    const hint = v4 && Number.isInteger(n) && n >= 0 && n <= 32 ? `give the IPv4 form "${v4}/${n}"` : example;
    return fail(
      'is an IPv4 address written as IPv6 (IPv4-mapped or with a dotted quad), which no firewall rule matches.',
      `${hint}.`,
    );
  }
  if (prefixText === undefined) {
    const host = `${address.toString()}/${maxPrefix}`;
    if (options.allowBareAddress) return { ok: true, value: { cidr: host, family, prefixLength: maxPrefix } };
    return fail(
      `has no prefix length. Did you mean "${host}" (this host only)?`,
      "write the address with its prefix length: /32 (/128) for one host, or the network's CIDR.",
    );
  }
  if (!/^(0|[1-9]\d{0,2})$/.test(prefixText) || Number(prefixText) > maxPrefix) {
    return fail(
      `has an invalid prefix length "${prefixText}": an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} prefix length is 0-${maxPrefix}.`,
      `write the address followed by /0 to /${maxPrefix}, e.g. ${example}.`,
    );
  }
  const prefixLength = Number(prefixText);
  const network = networkAddress(address, prefixLength);
  const canonical = `${network}/${prefixLength}`;
  const given = address.toString();
  if (network !== given) {
    return fail(
      `has host bits set. Did you mean "${canonical}"? (or "${given}/${maxPrefix}" for the single host)`,
      'write the network address (host bits zero) before the prefix length, or the single host with /32 (/128).',
    );
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
  values: readonly unknown[],
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
  return Diagnose.worldOpen(
    `${role} ${peer} is the whole Internet: the FTPS control port and passive range are open to anyone.`,
    'name the client networks, or acknowledge this warning if the server is public on purpose.',
  );
}

/**
 * Merges adjacent and contained networks into the fewest CIDRs covering exactly the same addresses, per family:
 * IPv4 first, then IPv6, each in address order. The result depends on the set of addresses only, never on the
 * order of the input.
 */
export function aggregateCidrs(clients: readonly ClientCidr[]): ClientCidr[] {
  const out: ClientCidr[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const bits = family === 'ipv4' ? 32 : 128;
    const mine = clients.filter((c) => c.family === family);
    if (mine.length <= 1) {
      // One network is its own aggregate (the common case: one per endpoint and family).
      out.push(...mine);
      continue;
    }
    const spans = mine.map(toSpan).sort(bySpan);
    const merged: Span[] = [];
    for (const s of spans) {
      const last = merged[merged.length - 1];
      if (last && s.start <= last.end + 1n) {
        if (s.end > last.end) last.end = s.end;
      } else merged.push({ ...s });
    }
    for (const s of merged) out.push(...spanToCidrs(s, family, bits));
  }
  return out;
}

/**
 * The networks not inside another one of the list, per family in address order (IPv4 first): what rules
 * need when networks are not to be merged. Independent of the input's order.
 */
export function withoutCoveredCidrs(clients: readonly ClientCidr[]): ClientCidr[] {
  const out: ClientCidr[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const mine = clients.filter((c) => c.family === family);
    if (mine.length <= 1) {
      out.push(...mine);
      continue;
    }
    const kept: { span: Span; client: ClientCidr }[] = [];
    const sorted = mine.map((client) => ({ span: toSpan(client), client })).sort((a, b) => bySpan(a.span, b.span));
    for (const item of sorted) {
      const last = kept[kept.length - 1];
      // CIDRs are nested or disjoint: sorted by start then widest first, a covered one follows its cover.
      if (last && item.span.end <= last.span.end) continue;
      kept.push(item);
    }
    out.push(...kept.map((k) => k.client));
  }
  return out;
}

interface Span {
  start: bigint;
  end: bigint;
}

function bySpan(a: Span, b: Span): number {
  if (a.start !== b.start) return a.start < b.start ? -1 : 1;
  return a.end === b.end ? 0 : a.end > b.end ? -1 : 1;
}

function toSpan(c: ClientCidr): Span {
  const bits = c.family === 'ipv4' ? 32n : 128n;
  const [addr] = c.family === 'ipv4' ? ipaddr.IPv4.parseCIDR(c.cidr) : ipaddr.IPv6.parseCIDR(c.cidr);
  let start = 0n;
  for (const byte of addr.toByteArray()) start = (start << 8n) | BigInt(byte);
  const size = 1n << (bits - BigInt(c.prefixLength));
  return { start, end: start + size - 1n };
}

/** The fewest CIDRs covering [start, end] exactly (largest aligned block first, left to right). */
function spanToCidrs(span: Span, family: AddressFamily, bits: number): ClientCidr[] {
  const out: ClientCidr[] = [];
  let start = span.start;
  while (start <= span.end) {
    let size = 0;
    while (
      size < bits &&
      (start & ((1n << BigInt(size + 1)) - 1n)) === 0n &&
      start + (1n << BigInt(size + 1)) - 1n <= span.end
    ) {
      size++;
    }
    out.push(canonical(`${formatAddress(start, family)}/${bits - size}`));
    start += 1n << BigInt(size);
  }
  return out;
}

function formatAddress(n: bigint, family: AddressFamily): string {
  const bytes = family === 'ipv4' ? 4 : 16;
  const out: number[] = [];
  for (let i = bytes - 1; i >= 0; i--) out.push(Number((n >> BigInt(8 * i)) & 255n));
  return ipaddr.fromByteArray(out).toString();
}

/** True when `address` (a bare address) lies inside `client`. */
export function cidrContains(client: ClientCidr, address: string): boolean {
  const addr = parseAddress(address);
  if (!addr) return false;
  const [net, len] = client.family === 'ipv4' ? ipaddr.IPv4.parseCIDR(client.cidr) : ipaddr.IPv6.parseCIDR(client.cidr);
  return addr.kind() === net.kind() && addr.match(net, len);
}

function canonical(cidr: string): ClientCidr {
  const result = parseClientCidr(cidr);
  if (!result.ok) throw new Error(`internal: aggregation produced an invalid CIDR ${cidr}`);
  return result.value;
}

function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (text.includes(':') && !text.includes('%') && ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
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
  const o = toSpan(outer);
  const i = toSpan(inner);
  return o.start <= i.start && i.end <= o.end;
}

/** A single host reads as its address (`203.0.113.7`); a network as its CIDR (`203.0.113.0/24`). */
export function hostOrCidr(client: ClientCidr): string {
  const isHost = client.prefixLength === (client.family === 'ipv4' ? 32 : 128);
  return isHost ? client.cidr.slice(0, client.cidr.lastIndexOf('/')) : client.cidr;
}
