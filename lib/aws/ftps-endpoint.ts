import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { CfnResource } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  Diagnostic,
  DiagnosticIds,
  DestinationRule,
  FirewallRule,
  byDestination,
  FtpsFlow,
  FtpsOptions,
  FtpsValidationError,
  PortRange,
  ResolvedFtpsOptions,
  cidrCovers,
  deriveFlows,
  formatPorts,
  resolveOptions,
  statefulServerRules,
  statelessServerRules,
  throwOnErrors,
  tokenPortErrors,
  validateOptions,
  worldOpenWarning,
} from '../core';
import { FrozenCache, ftpsOptionsKey, typedKey } from '../core/memo';
import { ClassifiedClient, aggregateClients, classifyClient } from './private/clients';
import { FtpsConnections } from './private/ftps-connections';
import { AppIndex } from './private/quotas';

/** EC2's default quota of rules per security group and direction (IPv4 and IPv6 counted separately). */
export const DEFAULT_SECURITY_GROUP_RULE_LIMIT = 60;
/** EC2's default quota of network ACL rules per direction. */
export const DEFAULT_NETWORK_ACL_RULE_LIMIT = 20;
/** CloudFormation's limit of resources per stack. */
export const STACK_RESOURCE_LIMIT = 500;
const MAX_NACL_RULE_NUMBER = 32766;

/** Properties of an {@link FtpsEndpoint}: the FTPS options plus where the firewall lives. */
export interface FtpsEndpointProps extends FtpsOptions {
  /** The VPC of the FTPS server. */
  readonly vpc: ec2.IVpc;
  /**
   * Who may connect: CIDR peers (`ec2.Peer.ipv4`, `ec2.Peer.ipv6`), prefix lists (`ec2.Peer.prefixList`),
   * security groups, or anything connectable (an instance, an auto scaling group). Connectables in the
   * same app also get their client-side rules. Add more later with `allowClient`.
   * @default no client: nothing is opened until one is named (and synth warns)
   */
  readonly clients?: ec2.IConnectable[];
  /**
   * Put the rules in this security group instead of creating one.
   * @default a new security group with `allowAllOutbound: false`
   */
  readonly securityGroup?: ec2.ISecurityGroup;
  /**
   * Description of the security group this construct creates.
   * @default "FTPS server: control <port> and passive data <range>"
   */
  readonly securityGroupDescription?: string;
  /**
   * Also add stateless entries (with their return traffic) to this network ACL, for CIDR clients.
   * @default no network ACL entries
   */
  readonly networkAcl?: ec2.INetworkAcl;
  /**
   * First network ACL rule number to use, in each direction.
   * @default 100
   */
  readonly networkAclRuleNumberStart?: number;
  /**
   * Step between allocated network ACL rule numbers, leaving room for rules of your own in between.
   * @default 10
   */
  readonly networkAclRuleNumberStep?: number;
  /**
   * Rule numbers used by entries this construct cannot see (made outside this app): allocating one is an error.
   * @default none
   */
  readonly networkAclReservedRuleNumbers?: number[];
  /**
   * Network ACL rules allowed per direction (raise it if your quota was raised; AWS allows up to 40).
   * @default 20
   */
  readonly networkAclRuleLimit?: number;
  /**
   * Security group rules allowed per direction and IP version (raise it if your quota was raised).
   * @default 60
   */
  readonly securityGroupRuleLimit?: number;
  /**
   * Merge adjacent and contained client CIDRs given together into the fewest networks, to use fewer rules.
   * @default true
   */
  readonly aggregateClients?: boolean;
}

/**
 * The firewall of an FTPS server on AWS: a security group (stateful) that admits the control port and the
 * passive range from each client, optionally network ACL entries (stateless, with their replies), and the
 * matching client-side rules for clients in the same app. Everything is rendered from the core's flows.
 *
 * Attach it to the server with `server.connections.addSecurityGroup(endpoint.securityGroup)` or by passing
 * `endpoint.securityGroup` as the server's security group.
 */
export class FtpsEndpoint extends Construct implements ec2.IConnectable {
  /** The security group that holds the server-side rules. */
  public readonly securityGroup: ec2.ISecurityGroup;
  /** Connections of the endpoint: `allowDefaultPortFrom(x)` opens every FTPS port for x. */
  public readonly connections: ec2.Connections;
  /** The options with defaults applied (frozen: endpoints with the same props share them). */
  public readonly options: ResolvedFtpsOptions;
  /** The flows the rules are derived from (frozen, shared like `options`). */
  public readonly flows: readonly FtpsFlow[];
  /** The network ACL that receives stateless entries, if any. */
  public readonly networkAcl?: ec2.INetworkAcl;

  private readonly statefulRules: readonly FirewallRule[];
  private readonly statefulPorts: readonly ec2.Port[];
  /**
   * Stateless rules as network ACL entries see them (destination ports only): replies to one range merge.
   * Empty without a network ACL.
   */
  private readonly statelessRules: readonly DestinationRule[];
  private readonly clients: ClassifiedClient[] = [];
  private readonly clientKeys = new Set<string>();
  private readonly aggregate: boolean;
  private readonly nacl: {
    readonly next: { inbound: number; outbound: number };
    readonly step: number;
    readonly reserved: ReadonlySet<number>;
    readonly limit: number;
  };
  private readonly securityGroupRuleLimit: number;
  private tokenClients = 0;

  constructor(scope: Construct, id: string, props: FtpsEndpointProps) {
    super(scope, id);
    const plan = plans.getOrCompute(planKey(props), () => planEndpoint(props, this.node.path));
    this.options = plan.options;
    this.flows = plan.flows;
    this.statefulRules = plan.statefulRules;
    this.statefulPorts = plan.statefulPorts;
    this.statelessRules = plan.statelessRules;
    this.aggregate = props.aggregateClients ?? true;
    this.securityGroupRuleLimit = props.securityGroupRuleLimit ?? DEFAULT_SECURITY_GROUP_RULE_LIMIT;
    this.networkAcl = props.networkAcl;
    const start = props.networkAclRuleNumberStart ?? 100;
    this.nacl = {
      next: { inbound: start, outbound: start },
      step: props.networkAclRuleNumberStep ?? 10,
      reserved: new Set(props.networkAclReservedRuleNumbers ?? []),
      limit: props.networkAclRuleLimit ?? DEFAULT_NETWORK_ACL_RULE_LIMIT,
    };

    this.securityGroup =
      props.securityGroup ??
      new ec2.SecurityGroup(this, 'SecurityGroup', {
        vpc: props.vpc,
        allowAllOutbound: false,
        description:
          props.securityGroupDescription ??
          `FTPS server: control ${this.options.controlPort} and passive data ${formatPorts(this.options.passivePorts)}`,
      });
    this.connections = new FtpsConnections(
      { securityGroups: [this.securityGroup], defaultPort: plan.controlPort },
      (client) => this.allowClient(client),
    );

    for (const w of plan.warnings) this.warn(w);
    this.addClients(props.clients ?? []);
    registerStackValidation(Stack.of(this));
  }

  /**
   * Opens the FTPS ports for another client: a peer (CIDR, prefix list, security group) or a connectable
   * (instance, auto scaling group). A client already allowed, or inside a network already allowed, adds nothing.
   */
  public allowClient(client: ec2.IConnectable): void {
    this.addClients([client]);
  }

  private addClients(targets: readonly ec2.IConnectable[]): void {
    const classified: ClassifiedClient[] = [];
    const errors: Diagnostic[] = [];
    for (const target of targets) {
      const c = classifyClient(target);
      if ('level' in c) errors.push(c);
      else classified.push(c);
    }
    if (this.networkAcl) {
      for (const c of classified) {
        if (c.kind !== 'ipv4' && c.kind !== 'ipv6') {
          errors.push({
            id: DiagnosticIds.INVALID_CLIENT,
            level: 'error',
            message: `Client ${c.label} is a ${c.kind === 'prefixList' ? 'prefix list' : 'security group'}, which a network ACL cannot express (NACL entries take CIDRs only). Fix: give this client as ec2.Peer.ipv4/ipv6 CIDRs, or add it to an FtpsEndpoint without networkAcl.`,
          });
        }
      }
    }
    throwOnErrors(errors, this.node.path);
    for (const c of this.aggregate ? aggregateClients(classified) : classified) this.addClient(c);
  }

  private addClient(client: ClassifiedClient): void {
    const key = Token.isUnresolved(client.value) ? identityKey(client.target) : `${client.kind}:${client.value}`;
    if (this.clientKeys.has(key)) return;
    if (client.cidr && this.clients.some((known) => known.cidr && cidrCovers(known.cidr, client.cidr!))) return;
    this.clientKeys.add(key);
    this.clients.push(client);
    if (client.cidr?.prefixLength === 0) this.warn(worldOpenWarning(client.cidr.cidr));

    for (let i = 0; i < this.statefulRules.length; i++) {
      const rule = this.statefulRules[i];
      const port = this.statefulPorts[i];
      if (rule.direction === 'inbound') {
        // Our ingress, and the client's egress when it has security groups in this app.
        this.connections.allowFrom(client.target, port, rule.purpose);
      } else {
        // The client's ingress, and our egress (skipped silently when our group allows all outbound).
        client.target.connections.allowFrom(this.connections, port, rule.purpose);
      }
    }
    if (this.networkAcl) this.addAclEntries(client, client.cidr?.cidr ?? client.value);
  }

  private addAclEntries(client: ClassifiedClient, cidr: string): void {
    const label = Token.isUnresolved(cidr) ? `Token${++this.tokenClients}` : cidr.replace(/\//g, '_');
    for (const rule of this.statelessRules) {
      const number = this.allocateRuleNumber(rule, client);
      new ec2.NetworkAclEntry(this, `Acl ${rule.direction} ${label} ${formatPorts(rule.destinationPorts)}`, {
        networkAcl: this.networkAcl!,
        ruleNumber: number,
        cidr: client.kind === 'ipv6' ? ec2.AclCidr.ipv6(cidr) : ec2.AclCidr.ipv4(cidr),
        traffic: ec2.AclTraffic.tcpPortRange(rule.destinationPorts.from, rule.destinationPorts.to),
        direction: rule.direction === 'inbound' ? ec2.TrafficDirection.INGRESS : ec2.TrafficDirection.EGRESS,
        ruleAction: ec2.Action.ALLOW,
      });
    }
  }

  private allocateRuleNumber(rule: DestinationRule, client: ClassifiedClient): number {
    const number = this.nacl.next[rule.direction];
    this.nacl.next[rule.direction] += this.nacl.step;
    const what = `${rule.direction} rule "${rule.purpose}" for ${client.label}`;
    if (number > MAX_NACL_RULE_NUMBER) {
      throw new FtpsValidationError(
        [
          {
            id: 'ftps-constructs:naclRuleNumber',
            level: 'error',
            message: `Network ACL rule number ${number} for the ${what} exceeds ${MAX_NACL_RULE_NUMBER}. Fix: lower networkAclRuleNumberStart or networkAclRuleNumberStep.`,
          },
        ],
        this.node.path,
      );
    }
    if (this.nacl.reserved.has(number)) {
      throw new FtpsValidationError(
        [
          {
            id: 'ftps-constructs:naclRuleNumber',
            level: 'error',
            message: `Network ACL rule number ${number} for the ${what} collides with reserved rule number ${number} (networkAclReservedRuleNumbers). Fix: set networkAclRuleNumberStart above your reserved numbers, e.g. ${Math.max(...this.nacl.reserved) + 1}.`,
          },
        ],
        this.node.path,
      );
    }
    return number;
  }

  /**
   * Quotas at synth time, over what the whole app put in our security group and network ACL; called once per
   * stack with an index of the app. @internal
   */
  public _validateAtSynth(index: AppIndex, endpoints: readonly FtpsEndpoint[]): string[] {
    const errors: string[] = [];
    if (this.clients.length === 0) {
      this.warn({
        id: DiagnosticIds.NO_CLIENTS,
        level: 'warning',
        message:
          'No client is allowed: the endpoint opens nothing. Fix: pass clients, or call allowClient(peer) / connections.allowDefaultPortFrom(x).',
      });
    }
    const limit = this.securityGroupRuleLimit;
    const perClient = (direction: 'inbound' | 'outbound') =>
      this.statefulRules.filter((r) => r.direction === direction).length;
    for (const direction of ['ingress', 'egress'] as const) {
      const count = index.countSecurityGroupRules(this.securityGroup, direction);
      for (const [family, n] of [
        ['IPv4', count.ipv4],
        ['IPv6', count.ipv6],
      ] as const) {
        if (n <= limit) continue;
        const each = perClient(direction === 'ingress' ? 'inbound' : 'outbound');
        const groups = Math.ceil(n / limit);
        errors.push(
          `Security group ${this.securityGroup.node.path} would have ${n} ${family} ${direction} rules; EC2 allows ${limit} per security group (quota "Inbound or outbound rules per security group"), so the deploy would fail with RulesPerSecurityGroupLimitExceeded. ` +
            `Each client takes ${each} rule${each === 1 ? '' : 's'} (${this.statefulRules
              .filter((r) => r.direction === (direction === 'ingress' ? 'inbound' : 'outbound'))
              .map((r) => formatPorts(r.destinationPorts))
              .join(
                ' and ',
              )}); adjacent and nested client CIDRs were already merged${this.aggregate ? '' : ' (no: aggregateClients is false, set it to true first)'}. ` +
            `Fix: narrow the clients to fewer networks; or split them over ${groups} FtpsEndpoint constructs with a security group each and attach all to the server (up to 5 per network interface); or raise the quota and set securityGroupRuleLimit (rules x groups per interface must stay within 1000).`,
        );
      }
      for (const id of count.uncountedPrefixLists) {
        this.warn({
          id: 'ftps-constructs:prefixListUncounted',
          level: 'warning',
          message: `Prefix list ${id} is not defined in this app, so its max entries (which count against the security group rule quota) are unknown; counted as 1. Fix: make sure max entries x ${perClient('inbound')} fits in ${limit} rules.`,
        });
      }
    }
    // Checks shared with other endpoints report once, from the first endpoint that shares the resource.
    if (this.networkAcl && endpoints.find((e) => e.networkAcl === this.networkAcl) === this) {
      errors.push(...this.validateNetworkAcl(this.networkAcl, index));
    }
    if (endpoints.find((e) => Stack.of(e) === Stack.of(this)) === this)
      errors.push(...this.validateStackSize(index, endpoints));
    return errors.map((e) => `[${this.node.path}] ${e}`);
  }

  private validateNetworkAcl(acl: ec2.INetworkAcl, index: AppIndex): string[] {
    const errors: string[] = [];
    const entries = index.networkAclEntries(acl);
    for (const egress of [false, true]) {
      const direction = egress ? 'outbound' : 'inbound';
      const mine = entries.filter((e) => e.egress === egress);
      if (mine.length > this.nacl.limit) {
        errors.push(
          `Network ACL ${acl.node.path} would have ${mine.length} ${direction} rules; the quota is ${this.nacl.limit} per direction (networkAclRuleLimit), so the deploy would fail. ` +
            `Each CIDR client takes ${this.statelessRules.filter((r) => r.direction === direction).length} ${direction} rules. Fix: narrow the clients to fewer networks (for example one covering CIDR), raise the quota (up to 40) and set networkAclRuleLimit, or rely on the security group alone for these clients.`,
        );
      }
      const byNumber = new Map<string, string>();
      for (const e of mine) {
        const key = JSON.stringify(e.ruleNumber);
        const other = byNumber.get(key);
        if (other) {
          errors.push(
            `Network ACL ${acl.node.path}: ${direction} rule number ${key} is used by both ${other} and ${e.path}. Fix: set networkAclRuleNumberStart (and networkAclRuleNumberStep) so the FTPS entries avoid your own.`,
          );
        }
        byNumber.set(key, e.path);
      }
    }
    return errors;
  }

  private validateStackSize(index: AppIndex, endpoints: readonly FtpsEndpoint[]): string[] {
    const stack = Stack.of(this);
    const resources = index.resourcesIn(stack);
    if (resources <= STACK_RESOURCE_LIMIT) return [];
    const mine = endpoints.filter((e) => Stack.of(e) === stack);
    const ours = mine.reduce(
      (n, e) => n + e.node.findAll().filter((c) => CfnResource.isCfnResource(c) && Stack.of(c) === stack).length,
      0,
    );
    return [
      `Stack ${stack.stackName} would have ${resources} resources; CloudFormation allows ${STACK_RESOURCE_LIMIT}, so the deploy would fail. ` +
        `Its ${mine.length} FTPS endpoint${mine.length === 1 ? '' : 's'} hold ${ours} (network ACL entries and rules that reference security groups or prefix lists are one resource each). ` +
        'Fix: give clients as CIDRs (inline rules cost no resource) and merge them into fewer networks, use fewer network ACL entries, or spread the endpoints over several stacks.',
    ];
  }

  private warn(d: Diagnostic): void {
    Annotations.of(this).addWarningV2(d.id, d.message);
  }
}

/** What an endpoint's checks and rules depend on, derived once per distinct set of props. */
interface EndpointPlan {
  readonly warnings: readonly Diagnostic[];
  readonly options: ResolvedFtpsOptions;
  readonly flows: readonly FtpsFlow[];
  readonly statefulRules: readonly FirewallRule[];
  readonly statelessRules: readonly DestinationRule[];
  /** The port of each stateful rule, by index; CDK's Port objects are immutable and shared like Port.SSH. */
  readonly statefulPorts: readonly ec2.Port[];
  readonly controlPort: ec2.Port;
}

/**
 * Plans by everything they depend on: a stack of many endpoints with the same options checks them and derives
 * their flows and rules once (BENCHMARKS.md). The plans are frozen, as endpoints share them (`options`,
 * `flows`); failed checks are not cached, so each endpoint with bad props throws with its own path.
 */
const plans = new FrozenCache<EndpointPlan>();

/** Every prop `planEndpoint` reads. */
function planKey(props: FtpsEndpointProps): string | undefined {
  return typedKey([
    ...ftpsOptionsKey(props),
    props.networkAcl !== undefined,
    props.networkAclRuleNumberStart,
    props.networkAclRuleNumberStep,
    props.networkAclRuleLimit,
    props.securityGroupRuleLimit,
    props.networkAclReservedRuleNumbers,
  ]);
}

/** Checks the props (throws naming `path` if any check fails) and derives the flows and the server-side rules. */
function planEndpoint(props: FtpsEndpointProps, path: string): EndpointPlan {
  const diagnostics = [
    ...validateOptions(props),
    ...tokenPortErrors(props, (v) => Token.isUnresolved(v)),
    ...validateLimits(props),
  ];
  const warnings = throwOnErrors(diagnostics, path);
  const options = resolveOptions(props);
  const flows = deriveFlows(options);
  const statefulRules = statefulServerRules(flows);
  return {
    warnings,
    options,
    flows,
    statefulRules,
    statefulPorts: statefulRules.map((r) => toPort(r.destinationPorts)),
    controlPort: ec2.Port.tcp(options.controlPort),
    statelessRules: props.networkAcl ? byDestination(statelessServerRules(flows)) : [],
  };
}

function validateLimits(props: FtpsEndpointProps): Diagnostic[] {
  const out: Diagnostic[] = [];
  const check = (name: string, value: number | undefined, min: number, max: number, fix: string) => {
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
      out.push({
        id: 'ftps-constructs:invalidLimit',
        level: 'error',
        message: `${name} (${value}) must be an integer from ${min} to ${max}. Fix: ${fix}`,
      });
    }
  };
  check(
    'networkAclRuleNumberStart',
    props.networkAclRuleNumberStart,
    1,
    MAX_NACL_RULE_NUMBER,
    'leave it unset (100) or pick a free number.',
  );
  check('networkAclRuleNumberStep', props.networkAclRuleNumberStep, 1, MAX_NACL_RULE_NUMBER, 'leave it unset (10).');
  check(
    'networkAclRuleLimit',
    props.networkAclRuleLimit,
    1,
    40,
    'use your account quota of rules per network ACL (20 by default, 40 at most).',
  );
  check(
    'securityGroupRuleLimit',
    props.securityGroupRuleLimit,
    1,
    1000,
    'use your account quota of rules per security group (60 by default).',
  );
  for (const n of props.networkAclReservedRuleNumbers ?? [])
    check('networkAclReservedRuleNumbers[]', n, 1, MAX_NACL_RULE_NUMBER, 'list rule numbers of existing entries.');
  return out;
}

const stacksWithValidation = new WeakSet<Stack>();

/**
 * One synth-time validation per stack, for all its endpoints: the app is indexed in one walk of the
 * construct tree, so N endpoints cost one walk, not N.
 */
function registerStackValidation(stack: Stack): void {
  if (stacksWithValidation.has(stack)) return;
  stacksWithValidation.add(stack);
  stack.node.addValidation({
    validate: () => {
      const index = new AppIndex(stack.node.root);
      const endpoints = index.constructs.filter((c): c is FtpsEndpoint => c instanceof FtpsEndpoint);
      return endpoints.filter((e) => Stack.of(e) === stack).flatMap((e) => e._validateAtSynth(index, endpoints));
    },
  });
}

const identities = new WeakMap<object, string>();
let nextIdentity = 0;
/** A key for a client whose value is a token: the same object twice is the same client. */
function identityKey(target: ec2.IConnectable): string {
  let key = identities.get(target);
  if (!key) {
    key = `object:${nextIdentity++}`;
    identities.set(target, key);
  }
  return key;
}

function toPort(range: PortRange): ec2.Port {
  return range.from === range.to ? ec2.Port.tcp(range.from) : ec2.Port.tcpRange(range.from, range.to);
}
