// An FTPS fleet behind a layer-4 load balancer. A balancer picks a backend per connection (per listener, per
// rule), so a session's data connection would land on another server than its control connection. The plan
// here is deterministic instead: each backend owns a disjoint passive sub-range, every passive port is forwarded
// to exactly the backend that owns it, and only the control port is balanced over all backends. Every backend
// advertises the balancer's address in its PASV replies and sees the client's own address (client IP preserved),
// so its firewall filters real clients and `pasv_promiscuous` stays off.
import { sessionCap } from './capacity';
import { Diagnose, Diagnostic, throwOnErrors } from './diagnostics';
import { FtpsOptions, PortRange, formatPorts, portCount } from './ftps-options';
import { FtpsPlan, PlanContext, planFtps } from './plan';
import { describeValue } from './private/checks';
import type { FtpDaemon } from './vsftpd-boot';

/** The load balancers whose limits a fleet plan checks. */
export type FleetBalancer = 'aws-nlb' | 'azure-lb' | 'generic';

/**
 * Listeners per AWS Network Load Balancer: 50, and the quota cannot be raised (Elastic Load Balancing quotas,
 * "Listeners per Network Load Balancer"). One listener forwards one port, so control + passive ports must fit.
 */
export const NLB_MAX_LISTENERS = 50;
/** Load-balancing rules + inbound NAT rules per Azure Standard Load Balancer (Azure subscription limits). */
export const AZURE_LB_MAX_RULES = 1500;
/** The most backends a fleet plan accepts (a passive port each at least; more servers want more balancers). */
export const MAX_FLEET_BACKENDS = 100;

/** The shape of a fleet. */
export interface FtpsFleetShape {
  /** How many FTPS servers share the load: each gets its own passive sub-range. 1 to 100. */
  readonly backends: number;
  /**
   * Passive ports per backend, taken in order from the start of `passivePorts` (backend 0 first); the rest of
   * the range is unused.
   * @default the whole `passivePorts` split evenly (the first backends get one port more when it does not divide)
   */
  readonly passivePortsPerBackend?: number;
}

/** One backend of a fleet: its sub-range, and the options its server and firewall are made from. */
export interface FleetBackend {
  /** 0-based, in order of the sub-ranges. */
  readonly index: number;
  /** The passive ports this backend alone serves (and the balancer forwards to it alone). */
  readonly passivePorts: PortRange;
  /**
   * The fleet's options with this backend's sub-range (and its share of `concurrentClients`): what its server
   * configuration and firewall are rendered from.
   */
  readonly options: FtpsOptions;
  /** Its plan (checked, frozen). */
  readonly plan: FtpsPlan;
}

/** One line of the balancer's forwarding table. */
export interface FleetForward {
  /** A port, or the control port. Passive ports are listed one by one: an NLB listener holds one port. */
  readonly port: number;
  readonly purpose: 'control' | 'passive';
  /** 'all': balanced over every backend (with a TCP health check); else the index of the one backend. */
  readonly to: 'all' | number;
}

/** A checked fleet: the backends, the balancer's forwarding table, the health check. Frozen. */
export interface FtpsFleetPlan {
  /** The whole fleet's options and flows (the clients' view: one server at the balancer's address). */
  readonly plan: FtpsPlan;
  readonly backends: readonly FleetBackend[];
  /** Control port first (to all), then every passive port to its owner, ascending. */
  readonly forwarding: readonly FleetForward[];
  /** The balancer's health check: a TCP connect to each backend's control port. */
  readonly healthCheckPort: number;
  /** Listeners an AWS NLB needs (one per forwarded port), or Azure rules (one LB rule + one NAT rule per port). */
  readonly forwardedPorts: number;
  /** Passive ports of the range no backend serves (when `passivePortsPerBackend` leaves some). */
  readonly unusedPorts: PortRange | undefined;
  /** Sessions at once the whole fleet admits with each daemon (the sum of the backends' caps). */
  readonly sessionsCarried: Readonly<Record<FtpDaemon, number>>;
  /** Warnings about the fleet's options (the whole range's and the backends'). */
  readonly diagnostics: readonly Diagnostic[];
}

/** Context for a fleet plan: the balancer whose limits apply. */
export interface FleetPlanContext extends PlanContext {
  /** @default 'generic': no cloud limit checked */
  readonly balancer?: FleetBalancer;
}

/**
 * Plans a fleet: checks the options (as {@link planFtps}) and the shape, splits the passive range into one
 * disjoint sub-range per backend, and builds the balancer's forwarding table. Throws one
 * {@link FtpsValidationError} for every problem, a load balancer's limits included; creates nothing.
 */
export function planFleet(options: FtpsOptions, shape: FtpsFleetShape, context: FleetPlanContext = {}): FtpsFleetPlan {
  const found: Diagnostic[] = [...(context.also ?? [])];
  const shapeObject = typeof shape === 'object' && shape !== null ? shape : undefined;
  if (!shapeObject) {
    found.push(
      Diagnose.invalidFleet(
        `the fleet (${describeValue(shape)}) is not an object.`,
        'pass { backends: 2 } (and passivePortsPerBackend if the range should not be split evenly).',
      ),
    );
  }
  const backends = shapeObject?.backends;
  const perBackend = shapeObject?.passivePortsPerBackend;
  const integerIn = (v: unknown, min: number, max: number) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
  if (shapeObject && !integerIn(backends, 1, MAX_FLEET_BACKENDS)) {
    found.push(
      Diagnose.invalidFleet(
        `backends (${describeValue(backends)}) is not a whole number from 1 to ${MAX_FLEET_BACKENDS}.`,
        'give how many servers share the load, e.g. backends: 2.',
      ),
    );
  }
  if (shapeObject && perBackend !== undefined && !integerIn(perBackend, 1, 64512)) {
    found.push(
      Diagnose.invalidFleet(
        `passivePortsPerBackend (${describeValue(perBackend)}) is not a whole number of ports from 1 to 64512.`,
        'give the passive ports each backend serves, or leave it out to split passivePorts evenly.',
      ),
    );
  }
  // The options first: a fleet of invalid options reports the options' errors with the shape's.
  const plan = planFtps(options, { ...context, also: found });
  const o = plan.options;
  const n = backends as number;
  const total = portCount(o.passivePorts);
  const fleetProblems: Diagnostic[] = [];
  if (o.activeMode) {
    fleetProblems.push(
      Diagnose.invalidFleet(
        'activeMode: true in a fleet: active-mode data connections leave each backend from its own address, not the load balancer’s, so clients behind a firewall or NAT drop them, and the balancer cannot forward them.',
        'leave activeMode out (passive mode only) for a fleet.',
      ),
    );
  }
  const each = perBackend ?? Math.floor(total / n);
  if ((perBackend ?? 0) * n > total || each < 1) {
    const needed = (perBackend ?? 1) * n;
    fleetProblems.push(
      Diagnose.invalidFleet(
        `${n} backends × ${perBackend ?? 1} passive port${(perBackend ?? 1) === 1 ? '' : 's'} need ${needed} ports; passivePorts (${formatPorts(o.passivePorts)}) has ${total}.`,
        `widen passivePorts to ${o.passivePorts.from}-${o.passivePorts.from + needed - 1}, or use fewer backends or fewer ports per backend.`,
      ),
    );
  }
  const used = perBackend === undefined ? total : Math.min(total, each * n);
  if (fleetProblems.length === 0) fleetProblems.push(...balancerLimit(context.balancer ?? 'generic', n, used, o));
  throwOnErrors(fleetProblems, context.context);

  // Sub-ranges in order; with an even split the first `total % n` backends get one port more.
  const extra = perBackend === undefined ? total % n : 0;
  const members: FleetBackend[] = [];
  let from = o.passivePorts.from;
  // concurrentClients is the fleet's: each backend is asked to carry its share (the control port is balanced).
  const share = o.concurrentClients === undefined ? undefined : Math.ceil(o.concurrentClients / n);
  for (let index = 0; index < n; index++) {
    const size = each + (index < extra ? 1 : 0);
    const passivePorts = { from, to: from + size - 1 };
    from += size;
    const backendOptions: FtpsOptions = {
      ...options,
      passivePorts,
      ...(share === undefined ? {} : { concurrentClients: share }),
    };
    const backendPlan = planFtps(backendOptions, { ...context, also: [] });
    members.push(Object.freeze({ index, passivePorts, options: Object.freeze(backendOptions), plan: backendPlan }));
  }
  const forwarding: FleetForward[] = [{ port: o.controlPort, purpose: 'control', to: 'all' }];
  for (const b of members)
    for (let port = b.passivePorts.from; port <= b.passivePorts.to; port++)
      forwarding.push({ port, purpose: 'passive', to: b.index });
  const carried = (daemon: FtpDaemon) =>
    members.reduce((sum, b) => sum + (sessionCap(daemon, portCount(b.passivePorts)) ?? 1), 0);
  const diagnostics = dedupe(members.flatMap((b) => b.plan.diagnostics));
  return Object.freeze({
    plan,
    backends: Object.freeze(members),
    forwarding: Object.freeze(forwarding.map((f) => Object.freeze(f))),
    healthCheckPort: o.controlPort,
    forwardedPorts: 1 + used,
    unusedPorts: used < total ? { from: o.passivePorts.from + used, to: o.passivePorts.to } : undefined,
    sessionsCarried: Object.freeze({
      vsftpd: carried('vsftpd'),
      proftpd: carried('proftpd'),
      'pure-ftpd': carried('pure-ftpd'),
    }),
    diagnostics: Object.freeze(diagnostics),
  });
}

/** The backend that owns a passive port, or undefined (the control port, a port outside every sub-range). */
export function fleetBackendFor(fleet: FtpsFleetPlan, port: number): FleetBackend | undefined {
  return fleet.backends.find((b) => port >= b.passivePorts.from && port <= b.passivePorts.to);
}

/** A load balancer's own limit, as an error naming what fits. */
function balancerLimit(
  balancer: FleetBalancer,
  n: number,
  passive: number,
  o: { readonly controlPort: number; readonly passivePorts: PortRange },
): Diagnostic[] {
  if (balancer === 'aws-nlb') {
    const listeners = 1 + passive;
    if (listeners <= NLB_MAX_LISTENERS) return [];
    const perBackend = Math.floor((NLB_MAX_LISTENERS - 1) / n);
    const fits =
      perBackend >= 1
        ? `at most ${perBackend} passive port${perBackend === 1 ? '' : 's'} per backend with ${n} backends (passivePortsPerBackend: ${perBackend}, or passivePorts ${o.passivePorts.from}-${o.passivePorts.from + perBackend * n - 1})`
        : `at most ${NLB_MAX_LISTENERS - 1} backends with 1 passive port each`;
    return [
      Diagnose.loadBalancerLimit(
        `${n} backend${n === 1 ? '' : 's'} with ${passive} passive ports in all need ${listeners} Network Load Balancer listeners (the control port ${o.controlPort} and one per passive port: a listener holds one port); an NLB has at most ${NLB_MAX_LISTENERS}, and AWS does not raise that quota.`,
        `${fits}; or split the clients over a second fleet with its own load balancer.`,
      ),
    ];
  }
  if (balancer === 'azure-lb') {
    const rules = 1 + passive;
    if (rules <= AZURE_LB_MAX_RULES) return [];
    const perBackend = Math.floor((AZURE_LB_MAX_RULES - 1) / n);
    return [
      Diagnose.loadBalancerLimit(
        `${n} backend${n === 1 ? '' : 's'} with ${passive} passive ports in all need ${rules} Azure Load Balancer rules (one load-balancing rule for the control port ${o.controlPort} and one inbound NAT rule per passive port); a Standard Load Balancer holds at most ${AZURE_LB_MAX_RULES}.`,
        `at most ${perBackend} passive ports per backend with ${n} backends (passivePortsPerBackend: ${perBackend}); or a second fleet with its own load balancer.`,
      ),
    ];
  }
  return [];
}

function dedupe(list: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => (seen.has(d.message) ? false : (seen.add(d.message), true)));
}
