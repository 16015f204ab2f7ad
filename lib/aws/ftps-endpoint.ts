import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { Diagnostic, FtpsFlow, FtpsOptions, ResolvedFtpsOptions, formatPorts } from '../core';
import { Diagnose, childPath, cidrCovers, describeValue, throwOnErrors, worldOpenWarning } from '../core/internal';
import { ClassifiedClient, classifyClient, normalizeClients } from './private/clients';
import { FtpsConnections } from './private/ftps-connections';
import { NaclNumbering } from './private/nacl-numbering';
import { EndpointPlan, connectableProblem, planEndpoint } from './private/props';
import { AppIndex, EndpointQuotaView, securityGroupQuotaError, validateEndpointAtSynth } from './private/quotas';

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
   * With false, a network inside another given network is still dropped (its rules would add nothing).
   * @default true
   */
  readonly aggregateClients?: boolean;
}

/** Clients ready to be added: every check passed, rule numbers planned. */
interface PreparedClients {
  readonly clients: readonly ClassifiedClient[];
  readonly keys: readonly string[];
  readonly naclNumbers: readonly number[];
  readonly naclNext: { inbound: number; outbound: number };
}

/**
 * The firewall of an FTPS server on AWS: a security group (stateful) that admits the control port and the
 * passive range from each client, optionally network ACL entries (stateless, with their replies), and the
 * matching client-side rules for clients in the same app. Everything is rendered from the core's flows.
 *
 * Every prop and client is checked before the construct is added to the tree: a construction that throws
 * leaves nothing behind.
 *
 * Attach it to the server with `server.connections.addSecurityGroup(endpoint.securityGroup)` or by passing
 * `endpoint.securityGroup` as the server's security group.
 */
export class FtpsEndpoint extends Construct implements ec2.IConnectable {
  /** The security group that holds the server-side rules. */
  public readonly securityGroup: ec2.ISecurityGroup;
  /** Connections of the endpoint: `allowDefaultPortFrom(x)` opens every FTPS port for x. */
  public readonly connections: ec2.Connections;
  /** The options with defaults applied (frozen: endpoints with the same options share them). */
  public readonly options: ResolvedFtpsOptions;
  /** The flows the rules are derived from (frozen, shared like `options`). */
  public readonly flows: readonly FtpsFlow[];
  /** The network ACL that receives stateless entries, if any. */
  public readonly networkAcl?: ec2.INetworkAcl;

  private readonly plan: EndpointPlan;
  private readonly clients: ClassifiedClient[] = [];
  private readonly clientKeys = new Set<string>();
  private readonly numbering: NaclNumbering;
  /** Rules this endpoint put in its security group, per direction and family (the construction-time quota). */
  private readonly ownRules = emptyCounts();
  private tokenClients = 0;

  constructor(scope: Construct, id: string, props: FtpsEndpointProps) {
    // Everything is checked before super(): a construct that throws is never added to the tree.
    const path = childPath(scope, id);
    const plan = planEndpoint(props, path);
    const numbering = new NaclNumbering(plan.nacl.start, plan.nacl.step, plan.nacl.reserved);
    const initial = prepareClients(
      plan,
      numbering,
      [],
      new Set(),
      emptyCounts(),
      plan.clients,
      path,
      props.networkAcl !== undefined,
    );
    super(scope, id);
    this.plan = plan;
    this.numbering = numbering;
    this.options = plan.options;
    this.flows = plan.flows;
    this.networkAcl = props.networkAcl;

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

    for (const w of plan.diagnostics) this.warn(w);
    this.commit(initial);
    registerStackValidation(Stack.of(this));
  }

  /**
   * Opens the FTPS ports for another client: a peer (CIDR, prefix list, security group) or a connectable
   * (instance, auto scaling group). A client already allowed, or inside a network already allowed, adds nothing.
   * A client that fails a check adds nothing either.
   */
  public allowClient(client: ec2.IConnectable): void {
    const problem = connectableProblem(client);
    if (problem) {
      throwOnErrors(
        [Diagnose.invalidClient(`Client (${describeValue(client)}) ${problem.why}`, problem.fix)],
        this.node.path,
      );
    }
    this.commit(
      prepareClients(
        this.plan,
        this.numbering,
        this.clients,
        this.clientKeys,
        this.ownRules,
        [client],
        this.node.path,
        this.networkAcl !== undefined,
      ),
    );
  }

  private commit(prepared: PreparedClients): void {
    this.numbering.commit(prepared.naclNext);
    let n = 0;
    prepared.clients.forEach((client, i) => {
      this.clientKeys.add(prepared.keys[i]);
      this.clients.push(client);
      addCounts(this.ownRules, client, this.plan);
      if (client.cidr?.prefixLength === 0) this.warn(worldOpenWarning(client.cidr.cidr));
      for (let r = 0; r < this.plan.statefulRules.length; r++) {
        const rule = this.plan.statefulRules[r];
        const port = this.plan.statefulPorts[r];
        if (rule.direction === 'inbound') {
          // Our ingress, and the client's egress when it has security groups in this app.
          this.connections.allowFrom(client.target, port, rule.purpose);
        } else {
          // The client's ingress, and our egress (skipped silently when our group allows all outbound).
          client.target.connections.allowFrom(this.connections, port, rule.purpose);
        }
      }
      if (this.networkAcl) {
        const cidr = client.cidr?.cidr ?? client.value;
        const label = Token.isUnresolved(cidr) ? `Token${++this.tokenClients}` : cidr.replace(/\//g, '_');
        for (const rule of this.plan.statelessRules) {
          new ec2.NetworkAclEntry(this, `Acl ${rule.direction} ${label} ${formatPorts(rule.destinationPorts)}`, {
            networkAcl: this.networkAcl,
            ruleNumber: prepared.naclNumbers[n++],
            cidr: client.kind === 'ipv6' ? ec2.AclCidr.ipv6(cidr) : ec2.AclCidr.ipv4(cidr),
            traffic: ec2.AclTraffic.tcpPortRange(rule.destinationPorts.from, rule.destinationPorts.to),
            direction: rule.direction === 'inbound' ? ec2.TrafficDirection.INGRESS : ec2.TrafficDirection.EGRESS,
            ruleAction: ec2.Action.ALLOW,
          });
        }
      }
    });
  }

  /**
   * Quotas at synth time, over what the whole app put in our security group and network ACL; called once per
   * stack with an index of the app. @internal
   */
  public _validateAtSynth(index: AppIndex, endpoints: readonly FtpsEndpoint[]): string[] {
    return validateEndpointAtSynth(
      this._quotaView(),
      index,
      endpoints.map((e) => e._quotaView()),
    );
  }

  /** What the synth-time checks read of this endpoint. @internal */
  public _quotaView(): EndpointQuotaView {
    return {
      construct: this,
      path: this.node.path,
      securityGroup: this.securityGroup,
      networkAcl: this.networkAcl,
      clientCount: this.clients.length,
      statefulRules: this.plan.statefulRules,
      statelessRules: this.plan.statelessRules,
      aggregate: this.plan.aggregate,
      securityGroupRuleLimit: this.plan.securityGroupRuleLimit,
      networkAclRuleLimit: this.plan.nacl.limit,
      warn: (d) => this.warn(d),
    };
  }

  private warn(d: Diagnostic): void {
    Annotations.of(this).addWarningV2(d.id, d.message);
  }
}

/**
 * Classifies and checks clients against everything the endpoint already holds, and plans their network ACL
 * numbers and their security group rules against the quota; changes nothing. Throws one error listing every
 * bad client, so the caller creates all of them or none.
 */
function prepareClients(
  plan: EndpointPlan,
  numbering: NaclNumbering,
  known: readonly ClassifiedClient[],
  knownKeys: ReadonlySet<string>,
  counts: RuleCounts,
  targets: readonly ec2.IConnectable[],
  path: string,
  withAcl: boolean,
): PreparedClients {
  const classified: ClassifiedClient[] = [];
  const errors: Diagnostic[] = [];
  for (const target of targets) {
    const c = classifyClient(target);
    if ('level' in c) errors.push(c);
    else classified.push(c);
  }
  if (withAcl) {
    for (const c of classified) {
      if (c.kind !== 'ipv4' && c.kind !== 'ipv6') {
        errors.push(
          Diagnose.invalidClient(
            `Client ${c.label} is a ${c.kind === 'prefixList' ? 'prefix list' : 'security group'}, which a network ACL cannot express (NACL entries take CIDRs only).`,
            'give this client as ec2.Peer.ipv4/ipv6 CIDRs, or add it to an FtpsEndpoint without networkAcl.',
          ),
        );
      }
    }
  }
  throwOnErrors(errors, path);

  const clients: ClassifiedClient[] = [];
  const keys: string[] = [];
  const seen = new Set(knownKeys);
  // Known CIDRs sorted by prefix length: a covering network is found among the first few.
  const knownCidrs = known.flatMap((k) => (k.cidr ? [k.cidr] : []));
  for (const client of normalizeClients(classified, plan.aggregate)) {
    const key = Token.isUnresolved(client.value) ? identityKey(client.target) : `${client.kind}:${client.value}`;
    if (seen.has(key)) continue;
    if (client.cidr && knownCidrs.some((k) => cidrCovers(k, client.cidr!))) continue;
    seen.add(key);
    clients.push(client);
    keys.push(key);
  }

  // The ingress quota, counting the CIDR rules this endpoint adds (a lower bound: others' rules, prefix lists and
  // security groups are counted at synth): a deploy-time failure found here, before thousands of rules are built.
  const after = { ...counts };
  for (const c of clients) addCounts(after, c, plan);
  const quota: Diagnostic[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    if (after[family] > plan.securityGroupRuleLimit) {
      quota.push(
        securityGroupQuotaError({
          count: after[family],
          family,
          direction: 'ingress',
          limit: plan.securityGroupRuleLimit,
          statefulRules: plan.statefulRules,
          aggregate: plan.aggregate,
          securityGroup: `The security group of ${path}`,
        }),
      );
    }
  }
  throwOnErrors(quota, path);

  const wanted = clients.flatMap((c) =>
    withAcl
      ? plan.statelessRules.map((r) => ({ direction: r.direction, what: `rule "${r.purpose}" for ${c.label}` }))
      : [],
  );
  const numbers = numbering.plan(wanted);
  throwOnErrors(numbers.errors, path);
  return { clients, keys, naclNumbers: numbers.numbers, naclNext: numbers.next };
}

/** Ingress rules of CIDR clients in our security group, per family. */
type RuleCounts = { ipv4: number; ipv6: number };

function emptyCounts(): RuleCounts {
  return { ipv4: 0, ipv6: 0 };
}

/** Adds one client's CIDR ingress rules (one per inbound stateful rule, as EC2 counts them). */
function addCounts(counts: RuleCounts, client: ClassifiedClient, plan: EndpointPlan): void {
  if (client.kind === 'ipv4' || client.kind === 'ipv6') {
    counts[client.kind] += plan.statefulRules.filter((r) => r.direction === 'inbound').length;
  }
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
