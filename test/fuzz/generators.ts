// Generators and an independent packet evaluator for the fuzz suites. Nothing here imports lib/: the expected
// admissions are computed from the props by this file's own reading of FTPS (FTPS-FACTS.md), so a wrong rule in
// the library cannot agree with a wrong expectation.
import * as fc from 'fast-check';
import * as ipaddr from 'ipaddr.js';

/** Runs per property: small in `npm test`, as many as FTPS_FUZZ_RUNS says for a long campaign. */
export const RUNS = Number(process.env.FTPS_FUZZ_RUNS ?? 0) || undefined;
export const runs = (quick: number) => ({ numRuns: RUNS ?? quick });

export interface ValidFtps {
  readonly tls?: 'explicit' | 'implicit';
  readonly controlPort?: number;
  readonly passivePorts: { from: number; to: number };
  readonly activeMode?: boolean;
  readonly clientPorts?: { from: number; to: number };
  /** Client networks, canonical CIDRs (host bits zero), documentation ranges only. */
  readonly clients: string[];
}

const network = (address: string, len: number) =>
  `${ipaddr.parse(address).kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(`${address}/${len}`) : ipaddr.IPv6.networkAddressFromCIDR(`${address}/${len}`)}/${len}`;

const v4Client = fc
  .tuple(fc.constantFrom('198.51.100', '203.0.113'), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 20, max: 32 }))
  .map(([net, host, len]) => network(`${net}.${host}`, len));
const v6Client = fc
  .tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 32, max: 128 }))
  .map(([word, len]) => network(`2001:db8:${word.toString(16)}::${(word & 0xff).toString(16)}`, len));

/** Valid FTPS options by construction: ranges in order, the control and active data ports outside the passive range. */
export const validFtps: fc.Arbitrary<ValidFtps> = fc
  .record({
    tls: fc.option(fc.constantFrom('explicit' as const, 'implicit' as const), { nil: undefined }),
    controlPort: fc.option(fc.integer({ min: 2, max: 65535 }), { nil: undefined }),
    passiveFrom: fc.integer({ min: 1024, max: 65535 }),
    passiveLength: fc.integer({ min: 0, max: 200 }),
    activeMode: fc.option(fc.boolean(), { nil: undefined }),
    clientPorts: fc.option(
      fc.tuple(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 0, max: 64000 })).map(([from, n]) => ({
        from,
        to: Math.min(65535, from + n),
      })),
      { nil: undefined },
    ),
    clients: fc.array(fc.oneof(v4Client, v6Client), { minLength: 1, maxLength: 6 }),
  })
  .map((r) => ({
    tls: r.tls,
    controlPort: r.controlPort,
    passivePorts: { from: r.passiveFrom, to: Math.min(65535, r.passiveFrom + r.passiveLength) },
    activeMode: r.activeMode,
    clientPorts: r.clientPorts,
    clients: r.clients,
  }))
  .filter((o) => {
    const control = controlPortOf(o);
    const inPassive = (p: number) => p >= o.passivePorts.from && p <= o.passivePorts.to;
    return !inPassive(control) && !(o.activeMode === true && inPassive(control - 1));
  });

export function controlPortOf(o: ValidFtps): number {
  return o.controlPort ?? (o.tls === 'implicit' ? 990 : 21);
}

/** A TCP or UDP packet, at the server: from or to an address, to a port. */
export interface Packet {
  readonly direction: 'inbound' | 'outbound';
  readonly protocol: 'tcp' | 'udp';
  /** The client-side address (source inbound, destination outbound). */
  readonly peer: string;
  /** The port on the receiving host. */
  readonly port: number;
}

/** Whether FTPS needs the server's stateful firewall to admit the packet (the opening direction only). */
export function ftpsNeeds(o: ValidFtps, p: Packet): boolean {
  if (p.protocol !== 'tcp' || !inAny(o.clients, p.peer)) return false;
  if (p.direction === 'inbound') {
    const control = controlPortOf(o);
    return p.port === control || (p.port >= o.passivePorts.from && p.port <= o.passivePorts.to);
  }
  const client = o.clientPorts ?? { from: 1024, to: 65535 };
  return o.activeMode === true && p.port >= client.from && p.port <= client.to;
}

export function inAny(cidrs: readonly string[], address: string): boolean {
  const a = ipaddr.parse(address);
  return cidrs.some((c) => {
    const [net, len] = ipaddr.parseCIDR(c);
    return net.kind() === a.kind() && a.match(net, len);
  });
}

/** Packets near every boundary of the options and anywhere: where a wrong rule would show. */
export function packetsFor(o: ValidFtps): fc.Arbitrary<Packet> {
  const control = controlPortOf(o);
  const client = o.clientPorts ?? { from: 1024, to: 65535 };
  const edges = [
    control,
    control - 1,
    control + 1,
    o.passivePorts.from,
    o.passivePorts.to,
    o.passivePorts.from - 1,
    o.passivePorts.to + 1,
    client.from,
    client.to,
    client.from - 1,
    client.to + 1,
  ].filter((p) => p >= 1 && p <= 65535);
  const insideOrNear = o.clients.map((c) => {
    const [net] = ipaddr.parseCIDR(c);
    return net.toString();
  });
  const peer = fc.oneof(
    fc.constantFrom(...insideOrNear),
    fc.tuple(fc.constantFrom('198.51.100', '203.0.113'), fc.integer({ min: 0, max: 255 })).map(([n, h]) => `${n}.${h}`),
    fc.integer({ min: 0, max: 0xffff }).map((w) => `2001:db8:${w.toString(16)}::${(w & 0xff).toString(16)}`),
  );
  return fc.record({
    direction: fc.constantFrom('inbound' as const, 'outbound' as const),
    protocol: fc.constantFrom('tcp' as const, 'tcp' as const, 'udp' as const),
    peer,
    port: fc.oneof(fc.constantFrom(...edges), fc.integer({ min: 1, max: 65535 })),
  });
}

/** Values a JavaScript caller can put anywhere: every type, and the awkward ones of each. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    NaN,
    Infinity,
    -1,
    0,
    1.5,
    70000,
    '21',
    '',
    ' ',
    'yes',
    'true',
    '10.0.0.0/8',
    'line\nbreak',
    "quote'; touch X; echo '",
    true,
    false,
    [],
    [null],
    [undefined],
    ['10.0.0.0/8'],
    {},
    { from: 50000 },
    { from: '50000', to: 50004 },
    new Date(0),
    Object.create(null),
    () => 21,
    10n,
    Symbol('port'),
  ),
  fc.constant(
    (() => {
      const o: Record<string, unknown> = { from: 50000, to: 50004 };
      o.self = o;
      return o;
    })(),
  ),
  fc.string(),
  fc.integer(),
  fc.double(),
);

/**
 * `base` with one place replaced by `value`: `(props)` the whole object, `name[0]` a list of one, `outer.inner`
 * a field of a nested object, `name` a prop.
 */
export function withHostile(base: Record<string, unknown>, where: string, value: unknown): Record<string, unknown> {
  if (where === '(props)') return value as Record<string, unknown>;
  const p = { ...base };
  if (where.endsWith('[0]')) p[where.slice(0, -3)] = [value];
  else if (where.includes('.')) {
    const [outer, inner] = where.split('.');
    p[outer] = { ...((p[outer] as object | undefined) ?? { from: 1024, to: 65535 }), [inner]: value };
  } else p[where] = value;
  return p;
}

/**
 * Runs a construction that may refuse its props: a refusal must be an FtpsValidationError whose every
 * diagnostic has an id that its message shows, and `leftNothing` must hold. Returns whether it was refused.
 */
export function refusedCleanly(
  construct: () => unknown,
  validationError: new (...args: never[]) => Error,
  leftNothing: () => void,
): boolean {
  try {
    construct();
  } catch (e) {
    expect(e).toBeInstanceOf(validationError);
    const error = e as Error & { diagnostics: readonly { id: string }[] };
    expect(error.diagnostics.length).toBeGreaterThan(0);
    for (const d of error.diagnostics) {
      expect(d.id).toMatch(/^ftps-constructs:[a-zA-Z]+$/);
      expect(error.message).toContain(`[${d.id}]`);
    }
    leftNothing();
    return true;
  }
  return false;
}
