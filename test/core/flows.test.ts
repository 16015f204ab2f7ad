import * as fc from 'fast-check';
import {
  FirewallKind,
  FirewallRule,
  FlowKind,
  FtpsFlow,
  FtpsOptions,
  FtpsTls,
  PortRange,
  Side,
  clientRules,
  deriveFlows,
  project,
  planFtps,
  statefulServerRules,
  statelessServerRules,
  validateOptions,
} from '../../lib/core';

/** Flows of user options, through the core's one entry point. */
const flowsOf = (o: FtpsOptions) => deriveFlows(planFtps(o).options);

const SEED: FtpsOptions = { passivePorts: { from: 50000, to: 50004 } };
const range = (from: number, to = from): PortRange => ({ from, to });
const summary = (rules: FirewallRule[]) =>
  rules.map(
    (r) =>
      `${r.direction} ${r.protocol} ${r.source}:${r.sourcePorts.from}-${r.sourcePorts.to} > ${r.destination}:${r.destinationPorts.from}-${r.destinationPorts.to}${r.reply ? ' reply' : ''}`,
  );

describe('deriveFlows', () => {
  test('seed case: control to 21 and passive data to 50000-50004, both opened by the client, TCP only', () => {
    const flows = flowsOf(SEED);
    expect(flows.map((f) => [f.kind, f.opener, f.protocol, f.serverPorts, f.clientPorts, f.purpose])).toEqual([
      [FlowKind.CONTROL, 'client', 'tcp', range(21), range(1024, 65535), 'FTPS control (explicit)'],
      [
        FlowKind.PASSIVE_DATA,
        'client',
        'tcp',
        range(50000, 50004),
        range(1024, 65535),
        'FTPS passive data 50000-50004',
      ],
    ]);
  });

  test('implicit TLS defaults to 990, and active mode adds data from 989 opened by the server', () => {
    const flows = flowsOf({ ...SEED, tls: FtpsTls.IMPLICIT, activeMode: true });
    expect(flows.map((f) => [f.kind, f.opener, f.serverPorts])).toEqual([
      [FlowKind.CONTROL, 'client', range(990)],
      [FlowKind.PASSIVE_DATA, 'client', range(50000, 50004)],
      [FlowKind.ACTIVE_DATA, 'server', range(989)],
    ]);
    expect(flows[0].purpose).toBe('FTPS control (implicit)');
    expect(flows[2].purpose).toBe('FTPS active data from port 989');
  });

  test('accepts resolved options too', () => {
    expect(flowsOf({ ...SEED, controlPort: 2121 })[0].serverPorts).toEqual(range(2121));
  });
});

describe('projections of the seed case', () => {
  const flows = flowsOf({ ...SEED, clientPorts: range(32768, 60999) });

  test('stateful server side: inbound to 21 and to the passive range only', () => {
    expect(summary(statefulServerRules(flows))).toEqual([
      'inbound tcp client:32768-60999 > server:21-21',
      'inbound tcp client:32768-60999 > server:50000-50004',
    ]);
  });

  test("stateless server side: adds outbound replies from 21 and the range to the clients' ephemeral ports", () => {
    expect(summary(statelessServerRules(flows))).toEqual([
      'inbound tcp client:32768-60999 > server:21-21',
      'outbound tcp server:21-21 > client:32768-60999 reply',
      'inbound tcp client:32768-60999 > server:50000-50004',
      'outbound tcp server:50000-50004 > client:32768-60999 reply',
    ]);
    expect(statelessServerRules(flows)[1].purpose).toBe('Replies: FTPS control (explicit)');
  });

  test('client side is the mirror image: outbound to the server', () => {
    expect(summary(clientRules(flows))).toEqual([
      'outbound tcp client:32768-60999 > server:21-21',
      'outbound tcp client:32768-60999 > server:50000-50004',
    ]);
  });

  test('active mode: outbound from 20 on the server, inbound to the client, replies the other way when stateless', () => {
    const active = flowsOf({ ...SEED, activeMode: true });
    expect(summary(statefulServerRules(active))[2]).toBe('outbound tcp server:20-20 > client:1024-65535');
    expect(summary(clientRules(active))[2]).toBe('inbound tcp server:20-20 > client:1024-65535');
    expect(summary(statelessServerRules(active)).slice(4)).toEqual([
      'outbound tcp server:20-20 > client:1024-65535',
      'inbound tcp client:1024-65535 > server:20-20 reply',
    ]);
  });
});

// ---- property test: an evaluator written here, independent of the projection code ----

interface Packet {
  readonly protocol: 'tcp' | 'udp';
  readonly from: Side;
  readonly fromPort: number;
  readonly to: Side;
  readonly toPort: number;
}
const inRange = (r: PortRange, p: number) => p >= r.from && p <= r.to;
const portsOf = (f: FtpsFlow, s: Side) => (s === 'client' ? f.clientPorts : f.serverPorts);
const other = (s: Side): Side => (s === 'client' ? 'server' : 'client');

/** Would a firewall with these allow rules pass the packet (as the first packet, no state)? */
function admits(rules: FirewallRule[], p: Packet): boolean {
  return rules.some(
    (r) =>
      r.protocol === p.protocol &&
      r.source === p.from &&
      r.destination === p.to &&
      inRange(r.sourcePorts, p.fromPort) &&
      inRange(r.destinationPorts, p.toPort),
  );
}

/** The packets an FTPS session sends: the opening packet of each flow, and (for stateless) its replies. */
function explainedBy(flows: FtpsFlow[], p: Packet, kind: FirewallKind): boolean {
  if (p.protocol !== 'tcp') return false;
  return flows.some((f) => {
    const opening =
      p.from === f.opener &&
      inRange(portsOf(f, f.opener), p.fromPort) &&
      inRange(portsOf(f, other(f.opener)), p.toPort);
    const reply =
      p.to === f.opener && inRange(portsOf(f, other(f.opener)), p.fromPort) && inRange(portsOf(f, f.opener), p.toPort);
    return p.from !== p.to && (opening || (kind === FirewallKind.STATELESS && reply));
  });
}

const port = fc.integer({ min: 1, max: 65535 });
const validOptions: fc.Arbitrary<FtpsOptions> = fc
  .record({
    tls: fc.constantFrom(FtpsTls.EXPLICIT, FtpsTls.IMPLICIT),
    controlPort: fc.option(fc.integer({ min: 2, max: 65535 }), { nil: undefined }),
    passiveFrom: fc.integer({ min: 1024, max: 65535 }),
    passiveLength: fc.integer({ min: 0, max: 2000 }),
    activeMode: fc.boolean(),
    clientFrom: fc.integer({ min: 1, max: 65535 }),
    clientLength: fc.integer({ min: 0, max: 65535 }),
  })
  .map((r) => ({
    tls: r.tls,
    controlPort: r.controlPort,
    passivePorts: range(r.passiveFrom, Math.min(65535, r.passiveFrom + r.passiveLength)),
    activeMode: r.activeMode,
    clientPorts: range(r.clientFrom, Math.min(65535, r.clientFrom + r.clientLength)),
  }))
  .filter((o) => validateOptions(o).every((d) => d.level !== 'error'));

const packetNear = (o: FtpsOptions): fc.Arbitrary<Packet> => {
  const r = planFtps(o).options;
  // Ports at and just outside every boundary, plus anything: where wrong rules would show.
  const edges = [
    r.controlPort,
    r.activeDataPort,
    r.passivePorts.from,
    r.passivePorts.to,
    r.clientPorts.from,
    r.clientPorts.to,
  ]
    .flatMap((p) => [p - 1, p, p + 1])
    .filter((p) => p >= 1 && p <= 65535);
  const anyPort = fc.oneof(fc.constantFrom(...edges), port);
  return fc.record({
    protocol: fc.constantFrom('tcp' as const, 'udp' as const),
    from: fc.constantFrom<Side>('client', 'server'),
    fromPort: anyPort,
    to: fc.constantFrom<Side>('client', 'server'),
    toPort: anyPort,
  });
};

const projections: Array<[string, Side, FirewallKind]> = [
  ['stateful server', 'server', FirewallKind.STATEFUL],
  ['stateless server', 'server', FirewallKind.STATELESS],
  ['stateful client', 'client', FirewallKind.STATEFUL],
  ['stateless client', 'client', FirewallKind.STATELESS],
];

describe.each(projections)('property: the %s projection', (_name, side, kind) => {
  test('admits every packet of every flow (both ends of every range)', () => {
    fc.assert(
      fc.property(validOptions, (o) => {
        const flows = flowsOf(o);
        const rules = project(flows, side, kind);
        for (const f of flows) {
          const opener = portsOf(f, f.opener);
          const responder = portsOf(f, other(f.opener));
          for (const a of [opener.from, opener.to]) {
            for (const b of [responder.from, responder.to]) {
              expect(
                admits(rules, { protocol: 'tcp', from: f.opener, fromPort: a, to: other(f.opener), toPort: b }),
              ).toBe(true);
              const reply = admits(rules, {
                protocol: 'tcp',
                from: other(f.opener),
                fromPort: b,
                to: f.opener,
                toPort: a,
              });
              if (kind === FirewallKind.STATELESS) expect(reply).toBe(true);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  test('admits nothing else: no UDP, no port outside the flows', () => {
    fc.assert(
      fc.property(
        validOptions.chain((o) => fc.tuple(fc.constant(o), fc.array(packetNear(o), { minLength: 20, maxLength: 20 }))),
        ([o, packets]) => {
          const flows = flowsOf(o);
          const rules = project(flows, side, kind);
          for (const p of packets) {
            if (admits(rules, p)) expect(explainedBy(flows, p, kind)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('every rule is TCP, on this side, and its filtered (destination) ports are control, passive, active data or client ephemeral', () => {
    fc.assert(
      fc.property(validOptions, (o) => {
        const r = planFtps(o).options;
        const serverPorts = [range(r.controlPort), r.passivePorts, ...(r.activeMode ? [range(r.activeDataPort)] : [])];
        for (const rule of project(flowsOf(o), side, kind)) {
          expect(rule.protocol).toBe('tcp');
          expect(rule.side).toBe(side);
          expect(rule.direction).toBe(rule.destination === side ? 'inbound' : 'outbound');
          const allowed = rule.destination === 'server' ? serverPorts : [r.clientPorts];
          expect(allowed).toContainEqual(rule.destinationPorts);
          if (kind === FirewallKind.STATEFUL) expect(rule.reply).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });
});
