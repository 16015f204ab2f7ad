import { NetworkSecurityRuleConfig } from '@cdktf/provider-azurerm/lib/network-security-rule';
import { Token } from 'cdktf';
import {
  Diagnostic,
  DiagnosticIds,
  FirewallRule,
  FtpsFlow,
  ResolvedFtpsOptions,
  Side,
  byDestination,
  FtpsPlan,
  formatPorts,
  hostOrCidr,
  planFtps,
} from '../../core';
import {
  Diagnose,
  Expectation,
  FrozenCache,
  memoizePure,
  PropChecker,
  describeValue,
  throwOnErrors,
  typedKey,
} from '../../core/internal';
import { MAX_PRIORITY, MIN_PRIORITY, NsgRuleSetProps, ReservedNsgRule } from '../nsg-rule-set-props';
import { PeerGroup, checkAddressEntry, classifyPeers } from './peers';

const MAX_DESCRIPTION = 140;

/** The peers and the local side of a rule set. */
export interface NsgRuleSetPeers {
  /** The side whose NSG holds the rules. */
  readonly side: Side;
  /** What a peer is called in messages: "Client" or "Server". */
  readonly peerName: string;
  /** The prop the peers come from, for messages ("clients", "servers"). */
  readonly peersProp: string;
  readonly peers: unknown;
  readonly peerAsgProp: string;
  readonly peerAsgIds: unknown;
  /** The prop the local prefixes come from ("serverAddressPrefixes"). */
  readonly localPrefixesProp: string;
  /** Address prefixes of the local side (destination of inbound rules, source of outbound rules). */
  readonly localPrefixes?: unknown;
  readonly localAsgProp?: string;
  readonly localAsgIds?: unknown;
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
 * Checks one side's props and peers, types first, with the FTPS options planned by the core in the same pass, and
 * plans its NSG rules from the stateful projection: per direction, one rule per peer group, carrying every port
 * of that direction ("21", "50000-50004"). Creates nothing; throws one error naming `context` that lists every
 * problem, so nothing is half-synthesized.
 */
export function planRuleSet(
  context: string,
  props: NsgRuleSetProps,
  peers: NsgRuleSetPeers,
  projection: Projection,
  also: readonly Diagnostic[] = [],
): NsgRuleSetPlan {
  const c = new PropChecker((v) => Token.isUnresolved(v));
  c.add(...also);
  const p = c.object(
    'props',
    props,
    { diagnose: Diagnose.missingProps, fix: 'pass { resourceGroupName, location, passivePorts, clients }.' },
    true,
  );
  if (p === undefined) throwOnErrors(c.found, context);
  const name = (fix: string): Expectation => ({ diagnose: Diagnose.invalidProp, fix });
  const resourceGroupName = c.string(
    'resourceGroupName',
    p!.resourceGroupName,
    name('pass the resource group of the network security group.'),
    { required: true },
  );
  const location = c.string('location', p!.location, name('pass the Azure region, e.g. "westeurope".'));
  const existing = c.string(
    'networkSecurityGroupName',
    p!.networkSecurityGroupName,
    name('pass the name of an existing NSG, or leave it out to create one.'),
  );
  c.string(
    'newNetworkSecurityGroupName',
    p!.newNetworkSecurityGroupName,
    name('pass a name for the NSG to create, or leave it out.'),
  );
  for (const prop of ['subnetId', 'networkInterfaceId'] as const) {
    c.string(prop, p![prop], name(`pass the resource id to associate the NSG with, or leave ${prop} out.`));
  }
  const priority = c.integer(
    'priority',
    p!.priority,
    { min: MIN_PRIORITY, max: MAX_PRIORITY },
    { diagnose: Diagnose.invalidLimit, fix: 'leave it unset (100) or pick a free priority.' },
  );
  const step = c.integer(
    'priorityStep',
    p!.priorityStep,
    { min: 1, max: MAX_PRIORITY },
    { diagnose: Diagnose.invalidLimit, fix: 'leave it unset (10).' },
  );
  const prefix = c.string(
    'ruleNamePrefix',
    p!.ruleNamePrefix,
    name('use 1-41 letters, digits, "_", "." or "-", or leave it out ("ftps").'),
  );
  if (prefix !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,40}$/.test(prefix)) {
    c.add(
      Diagnose.invalidProp(
        `ruleNamePrefix (${describeValue(prefix)}) must be 1-41 letters, digits, "_", "." or "-", starting with a letter or digit.`,
        'use a short name such as "ftps".',
      ),
    );
  }
  const aggregate =
    p!.aggregateAddresses === undefined
      ? true
      : c.boolean(
          'aggregateAddresses',
          p!.aggregateAddresses,
          name('pass false to keep every network as given, or leave it out (true).'),
        );
  const acknowledged =
    c.stringList(
      'acknowledgeWarnings',
      p!.acknowledgeWarnings,
      name('list warning ids, e.g. ["ftps-constructs:smallPassiveRange"].'),
    ) ?? [];
  const extraTags =
    c.stringList(
      'additionalServiceTags',
      p!.additionalServiceTags,
      name('list service tag names, e.g. ["AzureNewService"].'),
    ) ?? [];
  const reserved = checkReservedRules(c, p!.reservedRules);
  if (existing === undefined && p!.networkSecurityGroupName === undefined && p!.location === undefined) {
    c.add(
      Diagnose.invalidProp(
        'location is required to create the network security group.',
        'pass location, or networkSecurityGroupName to add the rules to an existing NSG.',
      ),
    );
  }
  if (p!.networkSecurityGroupName !== undefined && p!.newNetworkSecurityGroupName !== undefined) {
    c.add(
      Diagnose.invalidProp(
        'networkSecurityGroupName (existing NSG) and newNetworkSecurityGroupName (NSG to create) exclude each other.',
        'pass one of them.',
      ),
    );
  }

  const peerList =
    c.list(peers.peersProp, peers.peers, {
      diagnose: Diagnose.invalidClient,
      fix: 'pass a list of CIDRs, addresses or service tags, e.g. ["203.0.113.0/24"].',
    }) ?? [];
  const asgFix = name('pass a list of application security group ids, or leave it out.');
  const peerAsgs = c.stringList(peers.peerAsgProp, peers.peerAsgIds, asgFix) ?? [];
  const local = checkLocal(c, peers, extraTags);
  const remote = classifyPeersOnce(peers.peerName, peerList, peerAsgs, aggregate ?? true, extraTags);
  c.add(...remote.diagnostics.filter((d) => d.level === 'error'));

  const plan = planFtps(props, { isUnresolved: (v) => Token.isUnresolved(v), context, also: c.found });
  const warnings = [...plan.diagnostics, ...remote.diagnostics.filter((d) => d.level === 'warning')];
  if (remote.count === 0) {
    warnings.push(
      Diagnose.noClients(
        `No ${peers.peerName.toLowerCase()} is named: no rule is created.`,
        `pass ${peers.side === 'server' ? 'clients or clientApplicationSecurityGroupIds' : 'servers'}.`,
      ),
    );
  }
  const settings: RuleSettings = {
    prefix: prefix ?? 'ftps',
    priority: priority ?? MIN_PRIORITY,
    step: step ?? 10,
    reserved,
    resourceGroupName: resourceGroupName!,
  };
  const rules = plannedRules(plan, projection, remote.groups, local, settings, context);
  const newNsg = existing === undefined ? { resourceGroupName: resourceGroupName!, location: location! } : undefined;
  return {
    options: plan.options,
    flows: plan.flows,
    rules,
    newNsg,
    warnings: warnings.filter((w) => !acknowledged.includes(w.id)),
  };
}

/**
 * Planned rules by everything `planRules` reads: the plan (shared per FTPS options) and projection by identity,
 * the rest by a typed key of the very arguments passed, so no input can be left out of the key. A stack of 100
 * endpoints with the same peers plans their rules once and shares them frozen (CDKTF's resource constructors
 * run faster on the same shapes: 4.5 ms per 100 endpoints, BENCHMARKS.md). Errors are not cached.
 */
const rulesCache = new WeakMap<FtpsPlan, WeakMap<Projection, FrozenCache<readonly PlannedRule[]>>>();

function plannedRules(
  plan: FtpsPlan,
  projection: Projection,
  groups: PeerGroup[],
  local: LocalSide,
  settings: RuleSettings,
  context: string,
): readonly PlannedRule[] {
  let byProjection = rulesCache.get(plan);
  if (!byProjection) rulesCache.set(plan, (byProjection = new WeakMap()));
  let cache = byProjection.get(projection);
  if (!cache) byProjection.set(projection, (cache = new FrozenCache()));
  const key = typedKey([
    groups.map((g) => [g.kind, g.values, g.label]),
    local.prefixes,
    local.asgIds,
    settings.prefix,
    settings.priority,
    settings.step,
    settings.reserved.map((r) => [r.name, r.priority, r.direction]),
    settings.resourceGroupName,
  ]);
  return cache.getOrCompute(key, () => planRules(projection([...plan.flows]), groups, local, settings, context));
}

/** Peers classified once per distinct argument list: 100 endpoints with the same clients parse them once. */
const classifyPeersOnce = memoizePure(classifyPeers);

/** What rule planning reads of the props, checked. */
interface RuleSettings {
  readonly prefix: string;
  readonly priority: number;
  readonly step: number;
  readonly reserved: readonly ReservedNsgRule[];
  readonly resourceGroupName: string;
}

/** Reserved rules, each checked by type: a direction is exactly "Inbound" or "Outbound", a priority a number. */
function checkReservedRules(c: PropChecker, value: unknown): ReservedNsgRule[] {
  const fix =
    'list the rules made outside this app as { name, priority: 100-4096, direction: "Inbound" | "Outbound" }.';
  const e: Expectation = { diagnose: Diagnose.invalidLimit, fix };
  const list = c.list('reservedRules', value, e) ?? [];
  const out: ReservedNsgRule[] = [];
  list.forEach((item, i) => {
    const r = c.object(`reservedRules[${i}]`, item, e, true);
    if (r === undefined) return;
    const name = c.string(`reservedRules[${i}].name`, r.name, e, { required: true });
    const priority = c.integer(
      `reservedRules[${i}].priority`,
      r.priority,
      { min: MIN_PRIORITY, max: MAX_PRIORITY },
      e,
      true,
    );
    const direction = r.direction;
    if (direction !== 'Inbound' && direction !== 'Outbound') {
      const near =
        typeof direction === 'string'
          ? ['Inbound', 'Outbound'].find((d) => d.toLowerCase() === direction.toLowerCase())
          : undefined;
      c.add(
        Diagnose.invalidLimit(
          `reservedRules[${i}].direction (${describeValue(direction)}) must be "Inbound" or "Outbound" (as Azure spells them).`,
          near ? `write "${near}".` : fix,
        ),
      );
      return;
    }
    if (name !== undefined && priority !== undefined) out.push({ name, priority, direction });
  });
  return out;
}

/** The local side's address prefixes and ASGs, checked like the peers (CIDRs, addresses, "*" or a service tag). */
function checkLocal(c: PropChecker, peers: NsgRuleSetPeers, extraTags: readonly string[]): LocalSide {
  const fix: Expectation = {
    diagnose: Diagnose.invalidAddress,
    fix: 'list CIDRs, addresses, "*" or a service tag such as VirtualNetwork, or leave it out ("*").',
  };
  const prefixes = c.list(peers.localPrefixesProp, peers.localPrefixes, fix) ?? [];
  const out: string[] = [];
  prefixes.forEach((value, i) => {
    const entry = checkAddressEntry(peers.localPrefixesProp, `[${i}]`, value, extraTags);
    if ('level' in entry)
      c.add({ ...entry, id: entry.id === DiagnosticIds.INVALID_CLIENT ? DiagnosticIds.INVALID_ADDRESS : entry.id });
    else out.push(entry.kind === 'cidr' ? hostOrCidr(entry.cidr) : entry.kind === 'tag' ? entry.tag : entry.value);
  });
  const asgIds = peers.localAsgProp
    ? (c.stringList(peers.localAsgProp, peers.localAsgIds, {
        diagnose: Diagnose.invalidProp,
        fix: 'pass a list of application security group ids, or leave it out.',
      }) ?? [])
    : [];
  return { prefixes: out, asgIds };
}

function planRules(
  rules: FirewallRule[],
  groups: PeerGroup[],
  local: LocalSide,
  settings: RuleSettings,
  context: string,
): PlannedRule[] {
  const { prefix, step, reserved } = settings;
  const next = { Inbound: settings.priority, Outbound: settings.priority };
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
          Diagnose.nsgPriority(
            `${direction} priority ${priority} of rule "${name}" collides with reserved rule "${clash.name}" (${azureDirection} ${clash.priority}).`,
            `set priority above your reserved rules, e.g. ${Math.max(...reserved.map((r) => r.priority)) + 1}.`,
          ),
        );
      }
      if (priority > MAX_PRIORITY) {
        errors.push(
          Diagnose.nsgPriority(
            `${direction} priority ${priority} of rule "${name}" exceeds ${MAX_PRIORITY}.`,
            'lower priority or priorityStep, or merge the peers into fewer rules.',
          ),
        );
        priority = MAX_PRIORITY;
      }
      const shape = { name, direction: azureDirection, priority, ports, remote, description } as const;
      plan.push({ name, config: renderRule(shape, local, settings.resourceGroupName) });
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

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}
