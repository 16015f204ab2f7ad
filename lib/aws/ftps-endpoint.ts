import { Annotations, CfnOutput, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { Diagnostic, FtpsFlow, FtpsOptions, ResolvedFtpsOptions, formatPorts } from '../core';
import {
  Diagnose,
  PropChecker,
  childPath,
  cidrCovers,
  describeValue,
  throwOnErrors,
  worldOpenWarning,
} from '../core/internal';
import { FtpsEndpointAttributes, IFtpsEndpoint } from './ftps-endpoint-attributes';
import { ClassifiedClient, classifyClient, normalizeClients } from './private/clients';
import { ImportedFtpsEndpoint, checkExportPrefix, exportName } from './private/imported-endpoint';
import { FtpsConnections } from './private/ftps-connections';
import { NaclNumbering } from './private/nacl-numbering';
import { addClientRules } from './private/client-rules';
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

/** Options of {@link FtpsEndpoint.allowClient}. */
export interface AllowClientOptions {
  /**
   * The subnets the client runs in, for the network ACL: its entries take CIDRs, so a security-group client is
   * admitted by its subnets' CIDRs (the security group rules still name the group). Found by itself for an
   * `ec2.Instance` in a subnet of the endpoint's VPC.
   * @default none (an error when the endpoint has a network ACL and the client is a security group)
   */
  readonly subnets?: ec2.ISubnet[];
}

/** A network admitted by the network ACL. */
interface AclNetwork {
  readonly cidr: string;
  readonly family: 'ipv4' | 'ipv6';
}

/** Clients ready to be added: every check passed, rule numbers planned. */
interface PreparedClients {
  readonly clients: readonly ClassifiedClient[];
  readonly keys: readonly string[];
  /** The networks the network ACL admits, new ones only, each with its planned rule numbers (one per rule). */
  readonly aclNetworks: readonly AclNetwork[];
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
export class FtpsEndpoint extends Construct implements IFtpsEndpoint {
  /** The security group that holds the server-side rules. */
  public readonly securityGroup: ec2.ISecurityGroup;
  /**
   * Connections of the endpoint: `allowDefaultPortFrom(x)` opens every FTPS port for x. It has no single default
   * port, so `x.connections.allowDefaultPortTo(endpoint)` fails: call `endpoint.allowClient(x)` instead.
   */
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
  /** Networks the network ACL already admits. */
  private readonly aclKeys = new Set<string>();
  private readonly vpc: ec2.IVpc;

  /**
   * An endpoint made in another app or account (or by hand), to add this app's clients to: their egress to the
   * endpoint's group, and the group's ingress from them unless `mutable: false`. Give the FTPS options the endpoint
   * was made with; with `exportPrefix` (see {@link exportAttributes}) a mismatch fails the deploy.
   */
  public static fromEndpointAttributes(scope: Construct, id: string, attrs: FtpsEndpointAttributes): IFtpsEndpoint {
    return new ImportedFtpsEndpoint(scope, id, attrs);
  }

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
      new Set(),
      (target) => instanceSubnets(target, props.vpc),
    );
    super(scope, id);
    this.plan = plan;
    this.numbering = numbering;
    this.options = plan.options;
    this.flows = plan.flows;
    this.networkAcl = props.networkAcl;
    this.vpc = props.vpc;

    this.securityGroup =
      props.securityGroup ??
      new ec2.SecurityGroup(this, 'SecurityGroup', {
        vpc: props.vpc,
        allowAllOutbound: false,
        description:
          props.securityGroupDescription ??
          `FTPS server: control ${this.options.controlPort} and passive data ${formatPorts(this.options.passivePorts)}`,
      });
    this.connections = new FtpsConnections({ securityGroups: [this.securityGroup] }, (client) =>
      this.allowClient(client),
    );

    for (const w of plan.diagnostics) this.warn(w);
    this.commit(initial);
    registerStackValidation(Stack.of(this));
  }

  /**
   * Opens the FTPS ports for another client: a peer (CIDR, prefix list, security group) or a connectable
   * (instance, auto scaling group). A client already allowed, or inside a network already allowed, adds nothing.
   * A client that fails a check adds nothing either.
   *
   * A client in another stack gets both sides of its rules (its egress, our ingress) in its own stack, so only
   * the consumer's stack depends on the endpoint's, in any order of creation; unless the endpoint's stack already
   * depends on the client's, then both go in the endpoint's stack. A client group made with
   * `allowAllOutbound: false` keeps allowing nothing else out.
   */
  public allowClient(client: ec2.IConnectable, options: AllowClientOptions = {}): void {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throwOnErrors(
        [
          Diagnose.invalidProp(
            `allowClient options (${describeValue(options)}) must be an object.`,
            'pass { subnets } or leave the options out.',
          ),
        ],
        this.node.path,
      );
    }
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
        this.aclKeys,
        (target) => (target === client ? this.subnetsOf(target, options) : undefined),
      ),
    );
  }

  /** The client's subnets from the options, checked; else those of an instance in our VPC. */
  private subnetsOf(target: ec2.IConnectable, options: AllowClientOptions): readonly ec2.ISubnet[] | undefined {
    if (options?.subnets !== undefined) {
      if (!Array.isArray(options.subnets) || options.subnets.some((s) => typeof s?.subnetId !== 'string')) {
        throwOnErrors(
          [
            Diagnose.invalidClient(
              `subnets (${describeValue(options.subnets)}) must be a list of ec2.ISubnet.`,
              'pass vpc.selectSubnets({ ... }).subnets, or leave it out.',
            ),
          ],
          this.node.path,
        );
      }
      return options.subnets;
    }
    return instanceSubnets(target, this.vpc);
  }

  /**
   * What another stack, app or account needs to add clients to this endpoint: the security group id (a deploy-time
   * value) and the FTPS options, for {@link FtpsEndpoint.fromEndpointAttributes}.
   */
  public attributes(): FtpsEndpointAttributes {
    const o = this.options;
    return {
      securityGroupId: this.securityGroup.securityGroupId,
      tls: o.tls,
      controlPort: o.controlPort,
      passivePorts: { ...o.passivePorts },
      activeMode: o.activeMode,
      clientPorts: { ...o.clientPorts },
    };
  }

  /**
   * Exports the security group id for consumer apps in the same account and region, under
   * `<prefix>-ftps-<fingerprint of the options>` (a stack output), and returns that name. A consumer imports it
   * with `FtpsEndpoint.fromEndpointAttributes(scope, id, { exportPrefix: prefix, ...sameOptions })`: if its options
   * differ, the name differs and its deploy fails ("No export named ..."); while a consumer imports it,
   * CloudFormation refuses to delete the export, so this endpoint's options cannot change under it either.
   */
  public exportAttributes(prefix: string): string {
    const c = new PropChecker((v) => Token.isUnresolved(v));
    checkExportPrefix(c, 'prefix', prefix, true);
    throwOnErrors(c.found, this.node.path);
    const name = exportName(prefix, this.options);
    const id = `Export ${name}`;
    if (!this.node.tryFindChild(id)) {
      new CfnOutput(this, id, {
        value: this.securityGroup.securityGroupId,
        exportName: name,
        description: `FTPS endpoint ${this.node.path}: security group for ${formatPorts({ from: this.options.controlPort, to: this.options.controlPort })} and ${formatPorts(this.options.passivePorts)}`,
      });
    }
    return name;
  }

  private commit(prepared: PreparedClients): void {
    this.numbering.commit(prepared.naclNext);
    prepared.clients.forEach((client, i) => {
      this.clientKeys.add(prepared.keys[i]);
      this.clients.push(client);
      addCounts(this.ownRules, client, this.plan);
      if (client.cidr?.prefixLength === 0) this.warn(worldOpenWarning(client.cidr.cidr));
      addClientRules(this.securityGroup, this.plan, client);
    });
    let n = 0;
    for (const network of prepared.aclNetworks) {
      this.aclKeys.add(network.cidr);
      const label = Token.isUnresolved(network.cidr) ? `Token${++this.tokenClients}` : network.cidr.replace(/\//g, '_');
      for (const rule of this.plan.statelessRules) {
        new ec2.NetworkAclEntry(this, `Acl ${rule.direction} ${label} ${formatPorts(rule.destinationPorts)}`, {
          networkAcl: this.networkAcl!,
          ruleNumber: prepared.naclNumbers[n++],
          cidr: network.family === 'ipv6' ? ec2.AclCidr.ipv6(network.cidr) : ec2.AclCidr.ipv4(network.cidr),
          traffic: ec2.AclTraffic.tcpPortRange(rule.destinationPorts.from, rule.destinationPorts.to),
          direction: rule.direction === 'inbound' ? ec2.TrafficDirection.INGRESS : ec2.TrafficDirection.EGRESS,
          ruleAction: ec2.Action.ALLOW,
        });
      }
    }
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
  aclKnown: ReadonlySet<string>,
  subnetsOf: (target: ec2.IConnectable) => readonly ec2.ISubnet[] | undefined,
): PreparedClients {
  const classified: ClassifiedClient[] = [];
  const errors: Diagnostic[] = [];
  for (const target of targets) {
    const c = classifyClient(target);
    if ('level' in c) errors.push(c);
    else classified.push(c);
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

  const aclNetworks = withAcl ? networksForAcl(clients, aclKnown, subnetsOf, path) : [];
  const wanted = aclNetworks.flatMap((network) =>
    plan.statelessRules.map((r) => ({ direction: r.direction, what: `rule "${r.purpose}" for ${network.cidr}` })),
  );
  const numbers = numbering.plan(wanted);
  throwOnErrors(numbers.errors, path);
  return { clients, keys, aclNetworks, naclNumbers: numbers.numbers, naclNext: numbers.next };
}

/**
 * The networks a network ACL must admit for new clients: a CIDR client's own network; a security-group client's
 * subnets (NACL entries take CIDRs only), given or found; networks already admitted are skipped. Throws one error
 * for every client that cannot be expressed.
 */
function networksForAcl(
  clients: readonly ClassifiedClient[],
  known: ReadonlySet<string>,
  subnetsOf: (target: ec2.IConnectable) => readonly ec2.ISubnet[] | undefined,
  path: string,
): AclNetwork[] {
  const out: AclNetwork[] = [];
  const seen = new Set(known);
  const errors: Diagnostic[] = [];
  const add = (network: AclNetwork) => {
    if (seen.has(network.cidr)) return;
    seen.add(network.cidr);
    out.push(network);
  };
  for (const c of clients) {
    if (c.kind === 'ipv4' || c.kind === 'ipv6') {
      add({ cidr: c.cidr?.cidr ?? c.value, family: c.kind });
    } else if (c.kind === 'prefixList') {
      errors.push(
        Diagnose.invalidClient(
          `Client ${c.label} is a prefix list, which a network ACL cannot express (NACL entries take CIDRs only).`,
          "give the prefix list's CIDRs as ec2.Peer.ipv4/ipv6 clients, or use an FtpsEndpoint without networkAcl.",
        ),
      );
    } else {
      const subnets = subnetsOf(c.target) ?? [];
      if (subnets.length === 0) {
        errors.push(
          Diagnose.invalidClient(
            `Client ${c.label} is a security group, which a network ACL cannot express (NACL entries take CIDRs only), and its subnets are not known here; without an entry for them the network ACL would drop its traffic.`,
            "pass the client's subnets: endpoint.allowClient(client, { subnets: vpc.selectSubnets({ subnetGroupName: 'batch' }).subnets }) (the security group rules still name the group; the NACL admits the subnets' CIDRs).",
          ),
        );
      }
      for (const subnet of subnets) {
        const cidr = subnetCidr(subnet);
        if (cidr === undefined) {
          errors.push(
            Diagnose.invalidClient(
              `Subnet ${subnet.node.path} of client ${c.label} has no known IPv4 CIDR (an imported subnet without ipv4CidrBlock).`,
              'import the subnet with ec2.Subnet.fromSubnetAttributes({ subnetId, ipv4CidrBlock }), or give the CIDR as an ec2.Peer.ipv4 client of this endpoint.',
            ),
          );
        } else add({ cidr, family: 'ipv4' });
      }
    }
  }
  throwOnErrors(errors, path);
  return out;
}

function subnetCidr(subnet: ec2.ISubnet): string | undefined {
  try {
    return subnet.ipv4CidrBlock || undefined;
  } catch {
    return undefined; // an imported subnet without its CIDR throws on read
  }
}

/** The subnet of an `ec2.Instance` placed in a subnet of `vpc` (the app knows it), else undefined. */
function instanceSubnets(target: ec2.IConnectable, vpc: ec2.IVpc): readonly ec2.ISubnet[] | undefined {
  if (!(target instanceof ec2.Instance)) return undefined;
  const id = target.instance.subnetId;
  if (id === undefined) return undefined;
  const all = [...vpc.publicSubnets, ...vpc.privateSubnets, ...vpc.isolatedSubnets];
  const found = all.find((s) => s.subnetId === id);
  return found ? [found] : undefined;
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
