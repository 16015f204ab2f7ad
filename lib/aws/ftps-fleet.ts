import { Annotations, Duration, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as targets from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import { Construct } from 'constructs';
import { Diagnostic, FtpsFleetPlan, FtpsValidationError, PortRange, planFleet } from '../core';
import { childPath, describeValue, Diagnose, PropChecker, sharedMountCommands } from '../core/internal';
import { FtpsEndpoint } from './ftps-endpoint';
import { FtpsServerProps, checkServerProps } from './ftps-server';
import { QUOTING, USERS_ROOT, addServerInstance } from './private/server-instance';

/** Properties of an AWS {@link FtpsFleet}: a server's props, and how many servers share the load. */
export interface FtpsFleetProps extends FtpsServerProps {
  /** How many EC2 backends share the load; each serves its own passive sub-range. 1 to 49 (the NLB's listeners). */
  readonly backends: number;
  /**
   * Passive ports per backend, taken from the start of `passivePorts`.
   * @default `passivePorts` split evenly between the backends
   */
  readonly passivePortsPerBackend?: number;
  /**
   * Where the backends go (they need a route out for packages, SSM and Secrets Manager, and no public address).
   * @default the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Where the load balancer goes: one Elastic IP per subnet (one subnet per zone).
   * @default the VPC's public subnets, one per zone
   */
  readonly loadBalancerSubnets?: ec2.SubnetSelection;
  /**
   * The shared file system mounted at every backend's users root (/srv/ftps), so every backend serves the same
   * files. Mounted with TLS and IAM authorization (amazon-efs-utils); the backends' role is granted root access.
   * @default a new encrypted EFS file system in the backends' subnets, kept when the stack is deleted
   */
  readonly fileSystem?: efs.IFileSystem;
}

/** One backend of a fleet. */
export interface FtpsFleetBackend {
  readonly index: number;
  /** The passive ports this backend alone serves (and the load balancer forwards to it alone). */
  readonly passivePorts: PortRange;
  /** Its firewall: clients on the control port and its own sub-range, and the load balancer's health checks. */
  readonly endpoint: FtpsEndpoint;
  readonly instance: ec2.Instance;
  /** vsftpd.conf as written at boot: its own sub-range, the load balancer's address in PASV replies. */
  readonly configuration: string;
}

/**
 * FTPS behind an internet-facing Network Load Balancer: n vsftpd backends on EC2 sharing one EFS file system.
 * The balancer forwards each passive port (one listener and one target group per port) to the one backend that
 * owns it, and balances only the control port over all backends (TCP health check on it), so a session's data
 * connections always reach the server of its control connection. TLS passes through (TCP listeners), the
 * client's address is preserved, and every backend advertises the balancer's Elastic IP in PASV replies.
 *
 * Security groups: the NLB has none; each backend's group admits the clients (their own addresses, preserved)
 * on the control port and its own sub-range only, and the health checks from the balancer's subnets (the VPC's
 * CIDR when those are not known at synth time) on the control port.
 */
export class FtpsFleet extends Construct implements ec2.IConnectable {
  /** The checked plan: sub-ranges, forwarding table, sessions carried. */
  public readonly plan: FtpsFleetPlan;
  public readonly loadBalancer: elbv2.NetworkLoadBalancer;
  /** One per load balancer subnet. */
  public readonly elasticIps: readonly ec2.CfnEIP[];
  /** The address clients connect to, advertised in every PASV reply (the first Elastic IP), a deploy-time token. */
  public readonly publicIp: string;
  public readonly backends: readonly FtpsFleetBackend[];
  public readonly fileSystem: efs.IFileSystem;
  /** Every backend's firewall: `fleet.connections.allowFrom(peer, port)` reaches them all. */
  public readonly connections: ec2.Connections;

  constructor(scope: Construct, id: string, props: FtpsFleetProps) {
    const path = childPath(scope, id);
    // Every prop is checked before anything is added to the tree: the server's, then the fleet's shape and the
    // load balancer's limits against the whole range.
    const certificate = checkServerProps(props, path, fleetProblems(props));
    const plan = planFleet(
      props,
      { backends: props.backends, passivePortsPerBackend: props.passivePortsPerBackend },
      { balancer: 'aws-nlb', context: path },
    );
    const placement = placeLoadBalancer(props, path);
    super(scope, id);
    this.plan = plan;
    if (certificate === 'selfSigned') {
      const w = Diagnose.selfSignedCertificate(
        'selfSignedCertificate: each backend makes its own certificate at boot; clients must skip verification, so anyone in the path could intercept the session. For tests only.',
        'give certificateSecret (one certificate for the load balancer’s name, shared by every backend).',
      );
      Annotations.of(this).addWarningV2(w.id, w.message);
    }
    const vpc = props.vpc;
    const backendSubnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };

    const lbSubnets = placement.subnets;
    this.elasticIps = lbSubnets.subnets.map((_, i) => new ec2.CfnEIP(this, `ElasticIp${i}`, { domain: 'vpc' }));
    this.publicIp = this.elasticIps[0].attrPublicIp;
    this.loadBalancer = new elbv2.NetworkLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: true,
      // Every Elastic IP reaches every backend: the PASV address is the first one, whichever a client dialled.
      crossZoneEnabled: true,
      subnetMappings: lbSubnets.subnets.map((subnet, i) => ({
        subnet,
        allocationId: this.elasticIps[i].attrAllocationId,
      })),
    });

    const fileSystemGroup = props.fileSystem
      ? undefined
      : new ec2.SecurityGroup(this, 'FileSystemSecurityGroup', {
          vpc,
          allowAllOutbound: false,
          description: 'FTPS fleet shared files: NFS from the backends only',
        });
    this.fileSystem =
      props.fileSystem ??
      new efs.FileSystem(this, 'FileSystem', {
        vpc,
        vpcSubnets: backendSubnets,
        encrypted: true,
        securityGroup: fileSystemGroup,
        enableAutomaticBackups: true,
        // Only the backends' roles (granted below), and only over TLS.
        allowAnonymousAccess: false,
        fileSystemPolicy: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'TlsOnly',
              effect: iam.Effect.DENY,
              principals: [new iam.AnyPrincipal()],
              actions: ['*'],
              conditions: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ],
        }),
      });
    // The shared files at the users root, with TLS and IAM authorization (amazon-efs-utils), before anything else.
    const mount = sharedMountCommands(
      {
        install: 'dnf install -y amazon-efs-utils',
        source: `${this.fileSystem.fileSystemId}:/`,
        type: 'efs',
        options: '_netdev,tls,iam',
        mountPoint: USERS_ROOT,
      },
      QUOTING,
    );

    const control = plan.plan.options.controlPort;
    const healthCheckSources = placement.healthCheckSources;
    this.backends = plan.backends.map((b) => {
      const scopeOf = new Construct(this, `Backend${b.index}`);
      const endpoint = new FtpsEndpoint(scopeOf, 'Endpoint', { ...props, ...b.options });
      // NLB health checks come from the balancer's private addresses, in its own subnets.
      for (const cidr of healthCheckSources)
        endpoint.securityGroup.addIngressRule(
          ec2.Peer.ipv4(cidr),
          ec2.Port.tcp(control),
          `Load balancer health checks on the control port ${control}`,
        );
      const built = addServerInstance(scopeOf, props, {
        endpoint,
        passiveAddress: this.publicIp,
        certificate,
        defaultSubnets: backendSubnets,
        prepare: mount,
        stableUids: true,
      });
      this.fileSystem.connections.allowDefaultPortFrom(built.admin, 'NFS (TLS) from an FTPS backend');
      this.fileSystem.grantRootAccess(built.instance);
      built.instance.node.addDependency(this.fileSystem.mountTargetsAvailable);
      return {
        index: b.index,
        passivePorts: b.passivePorts,
        endpoint,
        instance: built.instance,
        configuration: built.configuration,
      };
    });
    this.connections = new ec2.Connections({ securityGroups: this.backends.map((b) => b.endpoint.securityGroup) });

    // One listener and one target group per forwarded port: the control port to every backend, each passive port
    // to its owner. Health: a TCP connect to the backend's control port.
    for (const f of plan.forwarding) {
      const listener = this.loadBalancer.addListener(f.purpose === 'control' ? 'Control' : `Passive${f.port}`, {
        port: f.port,
        protocol: elbv2.Protocol.TCP,
      });
      const owners = f.to === 'all' ? this.backends : [this.backends[f.to]];
      listener.addTargets('Backends', {
        port: f.port,
        protocol: elbv2.Protocol.TCP,
        targets: owners.map((b) => new targets.InstanceTarget(b.instance, f.port)),
        preserveClientIp: true,
        deregistrationDelay: Duration.seconds(30),
        // Every target group checks its backend's control port (a passive port listens only during a session).
        // Each check is a session to the daemon for a moment, counted against its cap: the control port's group
        // checks every 10 s (it decides where sessions go), the passive ports' groups every 30 s (with one
        // target, an NLB forwards to it even when unhealthy).
        healthCheck: {
          protocol: elbv2.Protocol.TCP,
          port: String(control),
          interval: Duration.seconds(f.purpose === 'control' ? 10 : 30),
          healthyThresholdCount: 2,
          unhealthyThresholdCount: 2,
        },
      });
    }
  }
}

/** Fleet-only props: a shape error or a prop the fleet cannot honour. */
function fleetProblems(props: FtpsFleetProps): Diagnostic[] {
  if (typeof props !== 'object' || props === null) return [];
  const c = new PropChecker((v) => Token.isUnresolved(v));
  const found: Diagnostic[] = [];
  if ((props.daemon ?? 'vsftpd') !== 'vsftpd' || (props.packageManager ?? 'dnf') !== 'dnf') {
    found.push(
      Diagnose.invalidFleet(
        `daemon ${describeValue(props.daemon ?? 'vsftpd')} with packageManager ${describeValue(props.packageManager ?? 'dnf')}: an AWS fleet mounts its shared EFS file system with TLS through amazon-efs-utils, which only Amazon Linux packages, and Amazon Linux packages only vsftpd.`,
        "use daemon 'vsftpd' on Amazon Linux (the defaults) for a fleet; ProFTPD and Pure-FTPd run as single FtpsServer instances.",
      ),
    );
  }
  if (props.securityGroup !== undefined) {
    found.push(
      Diagnose.invalidFleet(
        'securityGroup: a fleet gives each backend its own group, which admits only that backend’s passive ports.',
        'leave securityGroup out; reach the backends with fleet.connections.',
      ),
    );
  }
  if (props.networkAcl !== undefined) {
    found.push(
      Diagnose.invalidFleet(
        'networkAcl: a fleet does not add network ACL entries (each backend’s would collide in one ACL).',
        'leave networkAcl out, and add the whole range’s entries with one FtpsEndpoint (networkAcl) on the subnet, or allow them yourself.',
      ),
    );
  }
  for (const name of ['vpcSubnets', 'loadBalancerSubnets'] as const) {
    c.object(name, props[name], {
      diagnose: Diagnose.invalidProp,
      fix: `leave ${name} out for the default, or pass an ec2.SubnetSelection.`,
    });
  }
  const fileSystem = c.object('fileSystem', props.fileSystem, {
    diagnose: Diagnose.invalidProp,
    fix: 'leave fileSystem out for a new EFS file system, or pass an efs.IFileSystem.',
  });
  if (fileSystem !== undefined && typeof fileSystem.fileSystemId !== 'string') {
    c.add(
      Diagnose.invalidProp(
        `fileSystem (${describeValue(fileSystem)}) is not an EFS file system.`,
        'leave fileSystem out for a new EFS file system, or pass an efs.IFileSystem.',
      ),
    );
  }
  return [...c.found, ...found];
}

/**
 * The load balancer's subnets and the networks its health checks come from (those subnets, or the VPC), found
 * before anything is created: an error names what is missing.
 */
function placeLoadBalancer(
  props: FtpsFleetProps,
  path: string,
): { subnets: ec2.SelectedSubnets; healthCheckSources: string[] } {
  const selection = props.loadBalancerSubnets ?? { subnetType: ec2.SubnetType.PUBLIC, onePerAz: true };
  let subnets: ec2.SelectedSubnets;
  try {
    subnets = props.vpc.selectSubnets(selection);
    if (subnets.subnets.length === 0) throw new Error('no subnet selected');
  } catch (e) {
    throw new FtpsValidationError(
      [
        Diagnose.invalidProp(
          `loadBalancerSubnets: no subnet for the internet-facing load balancer (${(e as Error).message}).`,
          'give a VPC with public subnets (a route to an Internet gateway), or select them with loadBalancerSubnets.',
        ),
      ],
      path,
    );
  }
  try {
    const backends = props.vpc.selectSubnets(props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
    if (backends.subnets.length === 0) throw new Error('no subnet selected');
  } catch (e) {
    throw new FtpsValidationError(
      [
        Diagnose.invalidProp(
          `vpcSubnets: no subnet for the backends (${(e as Error).message}).`,
          'give a VPC with private subnets that have a route out (a NAT gateway), or select the backends’ subnets with vpcSubnets.',
        ),
      ],
      path,
    );
  }
  const cidrs = subnetCidrs(subnets.subnets);
  if (cidrs) return { subnets, healthCheckSources: cidrs };
  try {
    return { subnets, healthCheckSources: [props.vpc.vpcCidrBlock] };
  } catch {
    throw new FtpsValidationError(
      [
        Diagnose.invalidProp(
          'vpc: neither the load balancer subnets’ IPv4 CIDRs nor the VPC’s CIDR is known, and the backends must admit the load balancer’s health checks from them.',
          'give publicSubnetIpv4CidrBlocks (or vpcCidrBlock) to ec2.Vpc.fromVpcAttributes.',
        ),
      ],
      path,
    );
  }
}

/** The subnets' IPv4 CIDRs, or undefined when one is not known at synth time (an imported subnet without it). */
function subnetCidrs(subnets: readonly ec2.ISubnet[]): string[] | undefined {
  try {
    return [...new Set(subnets.map((s) => s.ipv4CidrBlock))];
  } catch {
    return undefined;
  }
}
