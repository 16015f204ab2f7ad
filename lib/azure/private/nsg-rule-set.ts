import { NetworkSecurityRuleConfig } from '@cdktf/provider-azurerm/lib/network-security-rule';
import { Token } from 'cdktf';
import {
  Diagnostic,
  DiagnosticIds,
  FirewallRule,
  FtpsFlow,
  FtpsOptions,
  ResolvedFtpsOptions,
  Side,
  byDestination,
  deriveFlows,
  formatPorts,
  resolveOptions,
  throwOnErrors,
  tokenPortErrors,
  validateOptions,
} from '../../core';
import { FrozenCache, ftpsOptionsKey, typedKey } from '../../core/memo';
import { PeerGroup, classifyPeers } from './peers';

export const MIN_PRIORITY = 100;
export const MAX_PRIORITY = 4096;
const MAX_DESCRIPTION = 140;

/** A rule that already exists in the NSG outside this app, so its priority is taken. */
export interface ReservedNsgRule {
  /** The rule's name, for messages. */
  readonly name: string;
  readonly priority: number;
  readonly direction: 'Inbound' | 'Outbound';
}

/** What both the server-side and the client-side constructs take, besides the FTPS options. */
export interface NsgRuleSetProps extends FtpsOptions {
  /** The resource group of the network security group. */
  readonly resourceGroupName: string;
  /**
   * Location of the network security group this construct creates. Required unless
   * `networkSecurityGroupName` names an existing one.
   * @default none
   */
  readonly location?: string;
  /**
   * Add the rules to this existing network security group instead of creating one.
   * @default a new network security group
   */
  readonly networkSecurityGroupName?: string;
  /**
   * Name of the network security group this construct creates.
   * @default `<construct id>-nsg`, lower case
   */
  readonly newNetworkSecurityGroupName?: string;
  /**
   * First priority to use in each direction (100-4096; lower wins).
   * @default 100
   */
  readonly priority?: number;
  /**
   * Step between allocated priorities, leaving room for rules of your own in between.
   * @default 10
   */
  readonly priorityStep?: number;
  /**
   * Rules that exist in the NSG outside this app: their priorities are not allocated, and a collision is an
   * error naming both rules. Rules defined in the same app are found without being listed.
   * @default none
   */
  readonly reservedRules?: ReservedNsgRule[];
  /**
   * Prefix of the rule names.
   * @default "ftps"
   */
  readonly ruleNamePrefix?: string;
  /**
   * Merge adjacent and nested CIDRs into the fewest prefixes.
   * @default true
   */
  readonly aggregateAddresses?: boolean;
  /** Associate the network security group with this subnet. @default no association */
  readonly subnetId?: string;
  /** Associate the network security group with this network interface. @default no association */
  readonly networkInterfaceId?: string;
  /**
   * Warning ids to acknowledge (cdktf annotations carry no ids, so they are filtered here), such as
   * `ftps-constructs:smallPassiveRange`.
   * @default none
   */
  readonly acknowledgeWarnings?: string[];
}

/** The peers and the local side of a rule set. */
export interface NsgRuleSetPeers {
  /** The side whose NSG holds the rules. */
  readonly side: Side;
  /** What a peer is called in messages: "Client" or "Server". */
  readonly peerName: string;
  readonly peers: readonly string[];
  readonly peerAsgIds: readonly string[];
  /** Address prefixes of the local side (destination of inbound rules, source of outbound rules). */
  readonly localPrefixes?: readonly string[];
  readonly localAsgIds?: readonly string[];
}

/** One NSG rule to create: its construct id (the rule name) and its config, but for the NSG's name. */
export interface PlannedRule {
  readonly name: string;
  readonly config: Omit<NetworkSecurityRuleConfig, 'networkSecurityGroupName'>;
}

interface LocalSide {
  readonly prefixes: readonly string[];
  readonly asgIds: readonly string[];
}

/** What a rule set resolves to before any resource exists: every check has passed. Frozen: plans are shared. */
export interface NsgRuleSetPlan {
  readonly options: ResolvedFtpsOptions;
  readonly flows: readonly FtpsFlow[];
  /** The rules to create, in order, with everything but the NSG's name. */
  readonly rules: readonly PlannedRule[];
  /** The NSG to create (its name is the caller's), or undefined to add the rules to `networkSecurityGroupName`. */
  readonly newNsg?: { readonly resourceGroupName: string; readonly location: string };
  /** Warnings not acknowledged by `acknowledgeWarnings`. */
  readonly warnings: readonly Diagnostic[];
}

type Projection = (flows: FtpsFlow[]) => FirewallRule[];

/**
 * Plans of successful checks, by projection and by everything a plan depends on. A stack of 100 endpoints with
 * the same options and clients plans once: the checks, the flows and the rules are pure functions of the
 * props (measured in BENCHMARKS.md: 4% of a 100-endpoint Azure synth). Failed checks are not cached, so
 * every endpoint with bad props throws with its own path. Bounded, as a long-lived process may plan many.
 */
const planCache = new WeakMap<Projection, FrozenCache<NsgRuleSetPlan>>();

/**
 * Checks one side's props and peers and plans its NSG rules from the stateful projection: per direction, one
 * rule per peer group, carrying every port of that direction ("21", "50000-50004"). Creates nothing; throws
 * an error naming `context` if any check fails, so nothing is half-synthesized.
 */
export function planRuleSet(
  context: string,
  props: NsgRuleSetProps,
  peers: NsgRuleSetPeers,
  projection: Projection,
): NsgRuleSetPlan {
  let plans = planCache.get(projection);
  if (!plans) {
    plans = new FrozenCache();
    planCache.set(projection, plans);
  }
  return plans.getOrCompute(planKey(props, peers), () => computePlan(context, props, peers, projection));
}

/** Every input of computePlan, but `context` (only in the errors, which are not cached). */
function planKey(props: NsgRuleSetProps, peers: NsgRuleSetPeers): string | undefined {
  return typedKey([
    ...ftpsOptionsKey(props),
    props.resourceGroupName,
    props.location,
    props.networkSecurityGroupName,
    props.newNetworkSecurityGroupName === undefined,
    props.priority,
    props.priorityStep,
    props.reservedRules?.map((r) => [r.name, r.priority, r.direction]),
    props.ruleNamePrefix,
    props.aggregateAddresses,
    props.acknowledgeWarnings,
    peers.side,
    peers.peerName,
    peers.peers,
    peers.peerAsgIds,
    peers.localPrefixes,
    peers.localAsgIds,
  ]);
}

function computePlan(
  context: string,
  props: NsgRuleSetProps,
  peers: NsgRuleSetPeers,
  projection: Projection,
): NsgRuleSetPlan {
  const acknowledged = new Set(props.acknowledgeWarnings ?? []);
  const aggregate = props.aggregateAddresses ?? true;
  const remote = classifyPeers(peers.peerName, peers.peers, peers.peerAsgIds, aggregate);
  const diagnostics: Diagnostic[] = [
    ...validateOptions(props),
    ...tokenPortErrors(props, (v) => Token.isUnresolved(v)),
    ...remote.diagnostics,
    ...checkProps(props),
  ];
  if (remote.count === 0) {
    diagnostics.push({
      id: DiagnosticIds.NO_CLIENTS,
      level: 'warning',
      message: `No ${peers.peerName.toLowerCase()} is named: no rule is created. Fix: pass ${peers.side === 'server' ? 'clients or clientApplicationSecurityGroupIds' : 'servers'}.`,
    });
  }
  const warnings = throwOnErrors(diagnostics, context).filter((w) => !acknowledged.has(w.id));
  const options = resolveOptions(props);
  const flows = deriveFlows(options);
  const local = { prefixes: peers.localPrefixes ?? [], asgIds: peers.localAsgIds ?? [] };
  const rules = planRules(projection([...flows]), remote.groups, local, props, context);
  const newNsg =
    props.networkSecurityGroupName === undefined
      ? { resourceGroupName: props.resourceGroupName, location: props.location! }
      : undefined;
  return { options, flows, rules, newNsg, warnings };
}

function planRules(
  rules: FirewallRule[],
  groups: PeerGroup[],
  local: LocalSide,
  props: NsgRuleSetProps,
  context: string,
): PlannedRule[] {
  const prefix = props.ruleNamePrefix ?? 'ftps';
  const step = props.priorityStep ?? 10;
  const next = { Inbound: props.priority ?? MIN_PRIORITY, Outbound: props.priority ?? MIN_PRIORITY };
  const reserved = props.reservedRules ?? [];
  const plan: PlannedRule[] = [];
  const errors: Diagnostic[] = [];
  for (const direction of ['inbound', 'outbound'] as const) {
    const merged = byDestination(rules.filter((r) => r.direction === direction));
    if (merged.length === 0) continue;
    const azureDirection = direction === 'inbound' ? 'Inbound' : 'Outbound';
    const ports = merged.map((r) => formatPorts(r.destinationPorts));
    const description = truncate(merged.map((r) => r.purpose).join('; '), MAX_DESCRIPTION);
    for (const remote of groups) {
      let priority = next[azureDirection];
      next[azureDirection] += step;
      const name = `${prefix}-${direction}-${remote.label}`;
      const clash = reserved.find((r) => r.direction === azureDirection && r.priority === priority);
      if (clash) {
        errors.push(
          nsgError(
            `${direction} priority ${priority} of rule "${name}" collides with reserved rule "${clash.name}" (${azureDirection} ${clash.priority}). Fix: set priority above your reserved rules, e.g. ${Math.max(...reserved.map((r) => r.priority)) + 1}.`,
          ),
        );
      }
      if (priority > MAX_PRIORITY) {
        errors.push(
          nsgError(
            `${direction} priority ${priority} of rule "${name}" exceeds ${MAX_PRIORITY}. Fix: lower priority or priorityStep.`,
          ),
        );
        priority = MAX_PRIORITY;
      }
      const shape = { name, direction: azureDirection, priority, ports, remote, description } as const;
      plan.push({ name, config: renderRule(shape, local, props.resourceGroupName) });
    }
  }
  throwOnErrors(errors, context);
  return plan;
}

/** A rule's fields before rendering. */
interface RuleShape {
  readonly name: string;
  readonly direction: 'Inbound' | 'Outbound';
  readonly priority: number;
  readonly ports: string[];
  readonly remote: PeerGroup;
  readonly description: string;
}

function renderRule(
  rule: RuleShape,
  local: LocalSide,
  resourceGroupName: string,
): Omit<NetworkSecurityRuleConfig, 'networkSecurityGroupName'> {
  const remote = addressFields(
    rule.remote.kind === 'asg'
      ? { asgIds: rule.remote.values, prefixes: [] }
      : { asgIds: [], prefixes: rule.remote.values },
  );
  const here = addressFields(
    local.asgIds.length > 0
      ? { asgIds: local.asgIds, prefixes: [] }
      : { asgIds: [], prefixes: local.prefixes.length > 0 ? local.prefixes : ['*'] },
  );
  const [source, destination] = rule.direction === 'Inbound' ? [remote, here] : [here, remote];
  return {
    name: rule.name,
    description: rule.description,
    resourceGroupName,
    direction: rule.direction,
    priority: rule.priority,
    access: 'Allow',
    protocol: 'Tcp',
    sourcePortRange: '*',
    ...(rule.ports.length === 1 ? { destinationPortRange: rule.ports[0] } : { destinationPortRanges: rule.ports }),
    sourceAddressPrefix: source.prefix,
    sourceAddressPrefixes: source.prefixes,
    sourceApplicationSecurityGroupIds: source.asgIds,
    destinationAddressPrefix: destination.prefix,
    destinationAddressPrefixes: destination.prefixes,
    destinationApplicationSecurityGroupIds: destination.asgIds,
  };
}

function addressFields(side: { asgIds: readonly string[]; prefixes: readonly string[] }) {
  if (side.asgIds.length > 0) return { asgIds: [...side.asgIds] };
  return side.prefixes.length === 1 ? { prefix: side.prefixes[0] } : { prefixes: [...side.prefixes] };
}

function nsgError(message: string): Diagnostic {
  return { id: 'ftps-constructs:nsgPriority', level: 'error', message };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

function checkProps(props: NsgRuleSetProps): Diagnostic[] {
  const out: Diagnostic[] = [];
  const bad = (message: string) => out.push({ id: 'ftps-constructs:invalidProp', level: 'error', message });
  if (
    props.priority !== undefined &&
    (!Number.isInteger(props.priority) || props.priority < MIN_PRIORITY || props.priority > MAX_PRIORITY)
  ) {
    bad(
      `priority (${props.priority}) must be an integer from ${MIN_PRIORITY} to ${MAX_PRIORITY}. Fix: leave it unset (100) or pick a free priority.`,
    );
  }
  if (props.priorityStep !== undefined && (!Number.isInteger(props.priorityStep) || props.priorityStep < 1)) {
    bad(`priorityStep (${props.priorityStep}) must be a positive integer. Fix: leave it unset (10).`);
  }
  if (props.networkSecurityGroupName === undefined && !props.location) {
    bad(
      'location is required to create the network security group. Fix: pass location, or networkSecurityGroupName to add the rules to an existing NSG.',
    );
  }
  if (props.networkSecurityGroupName !== undefined && props.newNetworkSecurityGroupName !== undefined) {
    bad(
      'networkSecurityGroupName (existing NSG) and newNetworkSecurityGroupName (NSG to create) exclude each other. Fix: pass one of them.',
    );
  }
  if (props.ruleNamePrefix !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,40}$/.test(props.ruleNamePrefix)) {
    bad(
      `ruleNamePrefix (${JSON.stringify(props.ruleNamePrefix)}) must be 1-41 letters, digits, "_", "." or "-", starting with a letter or digit.`,
    );
  }
  return out;
}
