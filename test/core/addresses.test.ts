import * as fc from 'fast-check';
import * as ipaddr from 'ipaddr.js';
import {
  ClientCidr,
  DiagnosticIds,
  aggregateCidrs,
  cidrContains,
  parseClientCidr,
  validateClientCidrs,
  withoutCoveredCidrs,
} from '../../lib/core';

function messageOf(value: string, allowBareAddress = false): string {
  const r = parseClientCidr(value, { allowBareAddress });
  if (r.ok) throw new Error(`expected ${value} to fail`);
  expect(r.diagnostic.id).toBe(DiagnosticIds.INVALID_CLIENT);
  return r.diagnostic.message;
}

describe('parseClientCidr', () => {
  test.each([
    ['203.0.113.0/24', '203.0.113.0/24', 'ipv4'],
    [' 198.51.100.7/32 ', '198.51.100.7/32', 'ipv4'],
    ['0.0.0.0/0', '0.0.0.0/0', 'ipv4'],
    ['2001:DB8:0:0::/32', '2001:db8::/32', 'ipv6'],
    ['::/0', '::/0', 'ipv6'],
  ])('parses %s as %s', (input, cidr, family) => {
    const r = parseClientCidr(input);
    expect(r).toEqual({ ok: true, value: expect.objectContaining({ cidr, family }) });
  });

  test('property: an IPv4 CIDR is accepted exactly when it is its own network, as ipaddr.js computes it', () => {
    const octet = fc.integer({ min: 0, max: 255 });
    fc.assert(
      fc.property(fc.tuple(octet, octet, octet, octet), fc.integer({ min: 0, max: 32 }), (octets, len) => {
        const address = octets.join('.');
        const network = ipaddr.IPv4.networkAddressFromCIDR(`${address}/${len}`).toString();
        const r = parseClientCidr(`${address}/${len}`);
        if (network === address)
          expect(r).toEqual({ ok: true, value: { cidr: `${address}/${len}`, family: 'ipv4', prefixLength: len } });
        else expect(r.ok ? '' : r.diagnostic.message).toContain(`Did you mean "${network}/${len}"?`);
      }),
      { numRuns: 2000 },
    );
  });

  test('fails if host bits are set, suggesting the network', () => {
    expect(messageOf('203.0.113.7/24')).toBe(
      'Client "203.0.113.7/24" has host bits set. Did you mean "203.0.113.0/24"? (or "203.0.113.7/32" for the single host) Fix: write the network address (host bits zero) before the prefix length, or the single host with /32 (/128).',
    );
    expect(messageOf('2001:db8::1/32')).toContain('Did you mean "2001:db8::/32"?');
  });

  test('fails if the prefix length is missing, unless bare addresses are allowed', () => {
    expect(messageOf('203.0.113.7')).toContain('has no prefix length. Did you mean "203.0.113.7/32"');
    expect(parseClientCidr('203.0.113.7', { allowBareAddress: true })).toEqual({
      ok: true,
      value: { cidr: '203.0.113.7/32', family: 'ipv4', prefixLength: 32 },
    });
    expect(parseClientCidr('2001:db8::7', { allowBareAddress: true })).toMatchObject({
      value: { cidr: '2001:db8::7/128' },
    });
  });

  test.each(['203.0.113.0/33', '2001:db8::/129', '203.0.113.0/024', '203.0.113.0/'])(
    'fails if the prefix length of %s is invalid',
    (v) => {
      expect(messageOf(v)).toContain('invalid prefix length');
    },
  );

  test.each([
    'not-an-ip',
    '203.0.113/24',
    '203.0.113.0.1/24',
    '127.1/32',
    '0x7f.0.0.1/32',
    '203.0.113.07/32',
    '203.0.113.0/24 foo',
    '203.0.113.0/24,198.51.100.0/24',
    '',
    'Internet',
  ])('fails if %j mixes in garbage or is not an address', (v) => {
    expect(messageOf(v)).toMatch(/is not an IPv4 or IPv6 CIDR|invalid prefix length/);
  });

  test('fails on a non-string', () => {
    expect(parseClientCidr(42 as unknown as string)).toMatchObject({ ok: false });
  });
});

describe('validateClientCidrs', () => {
  test('reports every bad client with its index and warns on world-open ones', () => {
    const r = validateClientCidrs(['203.0.113.0/24', 'junk', '0.0.0.0/0', '203.0.113.0/24', '198.51.100.1/24']);
    expect(r.clients.map((c) => c.cidr)).toEqual(['203.0.113.0/24', '0.0.0.0/0']);
    expect(r.diagnostics.map((d) => [d.level, d.id])).toEqual([
      ['error', DiagnosticIds.INVALID_CLIENT],
      ['warning', DiagnosticIds.WORLD_OPEN],
      ['error', DiagnosticIds.INVALID_CLIENT],
    ]);
    expect(r.diagnostics[0].message).toContain('Client [1] "junk"');
    expect(r.diagnostics[2].message).toContain(
      'Client [4] "198.51.100.1/24" has host bits set. Did you mean "198.51.100.0/24"?',
    );
  });
});

describe('aggregateCidrs', () => {
  const agg = (cidrs: string[]) =>
    aggregateCidrs(cidrs.map((c) => (parseClientCidr(c) as { ok: true; value: never }).value)).map((c) => c.cidr);

  test('merges adjacent and contained networks, per family', () => {
    expect(
      agg([
        '203.0.113.0/25',
        '203.0.113.128/25',
        '203.0.113.5/32',
        '2001:db8::/33',
        '2001:db8:8000::/33',
        '198.51.100.0/24',
      ]),
    ).toEqual(['198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32']);
  });

  test('keeps networks that cannot merge into one CIDR', () => {
    expect(agg(['203.0.113.0/26', '203.0.113.64/26', '203.0.113.128/26'])).toEqual([
      '203.0.113.0/25',
      '203.0.113.128/26',
    ]);
  });

  const HOSTS = Array.from({ length: 256 }, (_, i) => ipaddr.IPv4.parse(`203.0.113.${i}`));

  test('cidrContains matches addresses of the same family only', () => {
    const net = (parseClientCidr('203.0.113.0/24') as { ok: true; value: never }).value;
    expect(cidrContains(net, '203.0.113.9')).toBe(true);
    expect(cidrContains(net, '198.51.100.9')).toBe(false);
    expect(cidrContains(net, '2001:db8::1')).toBe(false);
    expect(cidrContains(net, 'junk')).toBe(false);
  });

  test('property: the aggregate covers exactly the same addresses, with no more CIDRs', () => {
    const cidr = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 24, max: 32 })).map(([host, len]) => {
      const net = ipaddr.IPv4.networkAddressFromCIDR(`203.0.113.${host}/${len}`).toString();
      return `${net}/${len}`;
    });
    fc.assert(
      fc.property(fc.array(cidr, { minLength: 1, maxLength: 20 }), (cidrs) => {
        const before = cidrs.map((c) => (parseClientCidr(c) as { ok: true; value: never }).value);
        const after = aggregateCidrs(before);
        expect(after.length).toBeLessThanOrEqual(new Set(cidrs).size);
        const covered = (set: { cidr: string }[]) => {
          const parsed = set.map((c) => ipaddr.IPv4.parseCIDR(c.cidr));
          return HOSTS.map((h) => parsed.some((range) => h.match(range)));
        };
        expect(covered(after)).toEqual(covered(before));
      }),
      { numRuns: 200 },
    );
  });

  const parse = (c: string): ClientCidr => (parseClientCidr(c) as { ok: true; value: ClientCidr }).value;
  const merged = (...cidrs: string[]) => aggregateCidrs(cidrs.map(parse)).map((c) => c.cidr);

  test.each([
    [['198.51.100.0/24', '198.51.100.0/22'], ['198.51.100.0/22']],
    [['198.51.100.0/22', '198.51.100.0/24'], ['198.51.100.0/22']],
    [['2001:db8::/48', '2001:db8::/32'], ['2001:db8::/32']],
    [['0.0.0.0/1', '0.0.0.0/0'], ['0.0.0.0/0']],
    [['::/1', '::/0'], ['::/0']],
    [
      ['203.0.113.0/25', '203.0.113.128/25', '198.51.100.7/32'],
      ['198.51.100.7/32', '203.0.113.0/24'],
    ],
    [
      ['203.0.113.0/25', '2001:db8::/33', '2001:db8:8000::/33'],
      ['203.0.113.0/25', '2001:db8::/32'],
    ],
  ])('merges networks that share their first address, nest or touch: %p -> %p', (input, output) => {
    expect(merged(...input)).toEqual(output);
  });

  // Networks inside a /22 of 198.51.100.0, and IPv6 ones inside a /120: nested, adjacent and disjoint cases.
  const v4 = fc
    .tuple(fc.integer({ min: 0, max: 1023 }), fc.integer({ min: 22, max: 32 }))
    .map(
      ([host, len]) =>
        `${ipaddr.IPv4.networkAddressFromCIDR(`198.51.${100 + (host >> 8)}.${host & 255}/${len}`)}/${len}`,
    );
  const v6 = fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 120, max: 128 }))
    .map(([host, len]) => `${ipaddr.IPv6.networkAddressFromCIDR(`2001:db8::${host.toString(16)}/${len}`)}/${len}`);
  const clientSets = fc.array(fc.oneof(v4, v6), { minLength: 1, maxLength: 25 });
  const addressesOf = (set: readonly ClientCidr[]) => {
    const ranges = set.map((c) => ipaddr.parseCIDR(c.cidr));
    const hosts = [
      ...Array.from({ length: 1024 }, (_, i) => ipaddr.parse(`198.51.${100 + (i >> 8)}.${i & 255}`)),
      ...Array.from({ length: 256 }, (_, i) => ipaddr.parse(`2001:db8::${i.toString(16)}`)),
    ];
    return hosts.map((h) => ranges.some(([net, len]) => h.kind() === net.kind() && h.match(net, len)));
  };

  test('property: aggregation covers the same addresses with no two results mergeable, whatever the order', () => {
    fc.assert(
      fc.property(clientSets, fc.func(fc.integer()), (cidrs, order) => {
        const before = cidrs.map(parse);
        const after = aggregateCidrs(before);
        expect(addressesOf(after)).toEqual(addressesOf(before));
        // Minimal: merging any result again changes nothing (no overlap, no mergeable siblings).
        expect(aggregateCidrs(after)).toEqual(after);
        const shuffled = [...before].sort((a, b) => order(a.cidr) - order(b.cidr));
        expect(aggregateCidrs(shuffled)).toEqual(after);
      }),
      { numRuns: 300 },
    );
  });

  test('property: without merging, every network inside another one is dropped, whatever the order', () => {
    fc.assert(
      fc.property(clientSets, fc.func(fc.integer()), (cidrs, order) => {
        const before = cidrs.map(parse);
        const kept = withoutCoveredCidrs(before);
        expect(addressesOf(kept)).toEqual(addressesOf(before));
        for (const k of kept) expect(before.map((b) => b.cidr)).toContain(k.cidr);
        for (const a of kept)
          for (const b of kept)
            if (a !== b) expect(cidrContains(a, b.cidr.split('/')[0]) && a.prefixLength <= b.prefixLength).toBe(false);
        const shuffled = [...before].sort((a, b) => order(a.cidr) - order(b.cidr));
        expect(withoutCoveredCidrs(shuffled)).toEqual(kept);
      }),
      { numRuns: 300 },
    );
  });

  test.each([
    ['::ffff:10.0.0.1/128', 'give the IPv4 form "10.0.0.1/32"'],
    ['::ffff:198.51.100.0/120', 'give the IPv4 form "198.51.100.0/24"'],
    ['::ffff:c633:6400/120', 'give the IPv4 form "198.51.100.0/24"'],
    ['::10.0.0.1/128', 'IPv4 address written as IPv6'],
  ])('refuses the IPv4-mapped address %p, pointing to the IPv4 form', (value, hint) => {
    const r = parseClientCidr(value);
    expect(r.ok).toBe(false);
    const message = (r as { ok: false; diagnostic: { id: string; message: string } }).diagnostic;
    expect(message.id).toBe(DiagnosticIds.INVALID_CLIENT);
    expect(message.message).toContain(hint);
  });

  test.each(['fe80::1%eth0', 'fe80::1%eth0/128', '2001:db8::1%1/128'])(
    'refuses the zone id in %p, never suggesting the value itself',
    (value) => {
      const r = parseClientCidr(value, { allowBareAddress: true });
      expect(r.ok).toBe(false);
      const d = (r as { ok: false; diagnostic: { message: string; fix: string } }).diagnostic;
      expect(d.message).toContain('zone id');
      expect(d.fix).not.toContain(value);
    },
  );

  test.each([null, 42, 10n, Symbol('x'), ['203.0.113.0/24'], Object.create(null)])(
    'refuses %p (not a string) with an id, never a TypeError',
    (value) => {
      const r = parseClientCidr(value);
      expect(r.ok).toBe(false);
      expect((r as { ok: false; diagnostic: { id: string } }).diagnostic.id).toBe(DiagnosticIds.INVALID_CLIENT);
    },
  );
});
