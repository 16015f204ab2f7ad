import { Annotations, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as transfer from 'aws-cdk-lib/aws-transfer';
import * as ipaddr from 'ipaddr.js';
import { Construct } from 'constructs';
import { Diagnostic, DiagnosticIds, FtpsTls, PortRange } from '../core';
import { childPath, describeValue, Diagnose, PropChecker } from '../core/internal';
import { planEndpoint } from './private/props';
import { FtpsEndpoint, FtpsEndpointProps } from './ftps-endpoint';

/** AWS Transfer Family's FTPS ports: control 21 and the passive range 8192-8200, fixed by the service. */
export const TRANSFER_FAMILY_CONTROL_PORT = 21;
export const TRANSFER_FAMILY_PASSIVE_PORTS: PortRange = { from: 8192, to: 8200 };

/** Transfer Family's TlsSessionResumptionMode. */
export enum TlsSessionResumptionMode {
  /** Data connections must resume the control connection's TLS session (the service default, safest). */
  ENFORCED = 'ENFORCED',
  /** Resumption offered, not required: for clients that cannot resume. */
  ENABLED = 'ENABLED',
  /** No resumption. */
  DISABLED = 'DISABLED',
}

/** A user-supplied identity provider: Transfer Family's FTPS needs one (no service-managed passwords). */
export type TransferIdentityProvider =
  /** A Lambda function (Transfer Family may invoke it: this construct grants it). */
  | { readonly function: lambda.IFunction }
  /** An API Gateway REST API: its invoke URL and a role Transfer Family assumes to call it. */
  | { readonly apiGatewayUrl: string; readonly invocationRole: iam.IRole };

/** Properties of a {@link TransferFtpsServer}. The ports are the service's; asking for others is an error. */
export interface TransferFtpsServerProps extends Omit<FtpsEndpointProps, 'passivePorts'> {
  /** Must be 8192-8200 if given: the service's fixed range. @default 8192-8200 */
  readonly passivePorts?: PortRange;
  /**
   * Subnets for the VPC endpoint: one Elastic IP each (internet-facing).
   * @default the VPC's public subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** The ACM certificate clients see (required for FTPS). */
  readonly certificate: acm.ICertificate;
  readonly identityProvider: TransferIdentityProvider;
  /** @default TlsSessionResumptionMode.ENFORCED */
  readonly tlsSessionResumptionMode?: TlsSessionResumptionMode;
  /**
   * The address in PASV replies: `AUTO` (one of the endpoint's addresses, its Elastic IP), `0.0.0.0` (the
   * control connection's address: behind a multi-subnet NLB), or the IPv4 address of a firewall or NAT in
   * front of the server.
   * @default "AUTO"
   */
  readonly passiveIp?: string;
  /** @default "TransferSecurityPolicy-2024-01" */
  readonly securityPolicyName?: string;
  /** Storage behind the server. @default "S3" */
  readonly domain?: 'S3' | 'EFS';
  /**
   * A role that lets the server write its CloudWatch logs.
   * @default none: no logs
   */
  readonly loggingRole?: iam.IRole;
}

/**
 * AWS Transfer Family serving FTPS from a VPC endpoint with Elastic IPs, behind the security group of an
 * {@link FtpsEndpoint} that opens exactly the service's ports (21 and 8192-8200) to the named clients.
 */
export class TransferFtpsServer extends Construct implements ec2.IConnectable {
  public readonly endpoint: FtpsEndpoint;
  public readonly server: transfer.CfnServer;
  /** One per subnet: the addresses clients connect to. */
  public readonly elasticIps: ec2.CfnEIP[];
  public readonly connections: ec2.Connections;
  /** The server id (s-...). */
  public readonly serverId: string;

  constructor(scope: Construct, id: string, props: TransferFtpsServerProps) {
    // Every check, the endpoint's included, before anything is added to the tree.
    const path = childPath(scope, id);
    const found = typeof props === 'object' && props !== null ? unsupported(props) : [];
    const provider = typeof props === 'object' && props !== null ? identityProvider(props.identityProvider) : undefined;
    if (provider && 'level' in provider) found.push(provider);
    const endpointProps: FtpsEndpointProps = {
      ...props,
      tls: FtpsTls.EXPLICIT,
      controlPort: TRANSFER_FAMILY_CONTROL_PORT,
      passivePorts: TRANSFER_FAMILY_PASSIVE_PORTS,
      activeMode: false,
    };
    planEndpoint(typeof props === 'object' && props !== null ? endpointProps : props, path, found);
    super(scope, id);

    this.endpoint = new FtpsEndpoint(this, 'Endpoint', endpointProps);
    Annotations.of(this.endpoint).acknowledgeWarning(
      DiagnosticIds.SMALL_PASSIVE_RANGE,
      "AWS Transfer Family's passive range is fixed at 8192-8200 (9 ports); the service scales behind it.",
    );
    this.connections = this.endpoint.connections;

    const subnets = props.vpc.selectSubnets(props.vpcSubnets ?? { subnetType: ec2.SubnetType.PUBLIC });
    this.elasticIps = subnets.subnetIds.map((_, i) => new ec2.CfnEIP(this, `ElasticIp${i + 1}`, { domain: 'vpc' }));

    this.server = new transfer.CfnServer(this, 'Server', {
      protocols: ['FTPS'],
      domain: props.domain ?? 'S3',
      endpointType: 'VPC',
      endpointDetails: {
        vpcId: props.vpc.vpcId,
        subnetIds: subnets.subnetIds,
        addressAllocationIds: this.elasticIps.map((e) => e.attrAllocationId),
        securityGroupIds: [this.endpoint.securityGroup.securityGroupId],
      },
      certificate: props.certificate.certificateArn,
      securityPolicyName: props.securityPolicyName ?? 'TransferSecurityPolicy-2024-01',
      ...(provider as Pick<transfer.CfnServerProps, 'identityProviderType' | 'identityProviderDetails'>),
      protocolDetails: {
        passiveIp: props.passiveIp ?? 'AUTO',
        tlsSessionResumptionMode: props.tlsSessionResumptionMode ?? TlsSessionResumptionMode.ENFORCED,
      },
      loggingRole: props.loggingRole?.roleArn,
    });
    this.serverId = this.server.attrServerId;

    const p = props.identityProvider;
    if ('function' in p) {
      p.function.addPermission('TransferFamilyInvoke', {
        principal: new iam.ServicePrincipal('transfer.amazonaws.com'),
        sourceArn: this.server.attrArn,
      });
    }
  }
}

function unsupported(props: TransferFtpsServerProps): Diagnostic[] {
  const found: Diagnostic[] = [];
  const err = (message: string) => {
    const [problem, fix] = message.split(' Fix: ');
    found.push(Diagnose.unsupportedSetting(problem, fix));
  };
  if (props.tls !== undefined && props.tls !== FtpsTls.EXPLICIT)
    err(
      `tls (${describeValue(props.tls)}): AWS Transfer Family serves explicit FTPS only. Fix: remove tls, or use FtpsServer (vsftpd) for implicit TLS.`,
    );
  if (props.controlPort !== undefined && props.controlPort !== TRANSFER_FAMILY_CONTROL_PORT)
    err(
      `controlPort (${describeValue(props.controlPort)}): AWS Transfer Family listens on 21 only. Fix: remove controlPort, or use FtpsServer (vsftpd) for another port.`,
    );
  const pp = props.passivePorts as unknown;
  const same =
    typeof pp === 'object' &&
    pp !== null &&
    (pp as PortRange).from === TRANSFER_FAMILY_PASSIVE_PORTS.from &&
    (pp as PortRange).to === TRANSFER_FAMILY_PASSIVE_PORTS.to;
  if (pp !== undefined && !same)
    err(
      `passivePorts (${typeof pp === 'object' && pp !== null && Number.isInteger((pp as PortRange).from) && Number.isInteger((pp as PortRange).to) ? `${(pp as PortRange).from}-${(pp as PortRange).to}` : describeValue(pp)}): AWS Transfer Family's passive range is fixed at 8192-8200. Fix: remove passivePorts (clients and firewalls must allow 8192-8200), or use FtpsServer (vsftpd) for your own range.`,
    );
  if (props.activeMode !== undefined && props.activeMode !== false)
    err('activeMode: AWS Transfer Family supports passive mode only. Fix: remove activeMode.');
  const ip = props.passiveIp;
  if (
    ip !== undefined &&
    !(typeof ip === 'string' && (Token.isUnresolved(ip) || ip === 'AUTO' || ipaddr.IPv4.isValidFourPartDecimal(ip)))
  )
    err(
      `passiveIp (${describeValue(ip)}) must be "AUTO", "0.0.0.0" or an IPv4 address. Fix: use "AUTO" (the endpoint's Elastic IP) unless a firewall or NAT sits in front.`,
    );
  const c = new PropChecker((v) => Token.isUnresolved(v));
  const certificate = c.object(
    'certificate',
    props.certificate,
    {
      diagnose: Diagnose.invalidProp,
      fix: 'pass the acm.ICertificate clients see (acm.Certificate.fromCertificateArn).',
    },
    true,
  );
  if (certificate !== undefined && typeof certificate.certificateArn !== 'string') {
    c.add(
      Diagnose.invalidProp(
        `certificate (${describeValue(certificate)}) is not an ACM certificate.`,
        'pass an acm.ICertificate.',
      ),
    );
  }
  for (const name of ['securityPolicyName', 'domain', 'tlsSessionResumptionMode'] as const) {
    c.string(name, props[name], {
      diagnose: Diagnose.invalidProp,
      fix: `leave ${name} out for the default, or pass one of its documented values.`,
    });
  }
  c.object('vpcSubnets', props.vpcSubnets, {
    diagnose: Diagnose.invalidProp,
    fix: 'leave vpcSubnets out (public subnets) or pass an ec2.SubnetSelection.',
  });
  c.object('loggingRole', props.loggingRole, {
    diagnose: Diagnose.invalidProp,
    fix: 'pass an iam.IRole, or leave loggingRole out.',
  });
  return [...found, ...c.found];
}

function identityProvider(
  p: TransferIdentityProvider | undefined,
): Pick<transfer.CfnServerProps, 'identityProviderType' | 'identityProviderDetails'> | Diagnostic {
  if (typeof p !== 'object' || p === null) p = undefined;
  if (p && 'function' in p && typeof p.function === 'object' && p.function !== null) {
    return { identityProviderType: 'AWS_LAMBDA', identityProviderDetails: { function: p.function.functionArn } };
  }
  if (
    p &&
    'apiGatewayUrl' in p &&
    typeof p.apiGatewayUrl === 'string' &&
    typeof p.invocationRole === 'object' &&
    p.invocationRole !== null
  ) {
    return {
      identityProviderType: 'API_GATEWAY',
      identityProviderDetails: { url: p.apiGatewayUrl, invocationRole: p.invocationRole.roleArn },
    };
  }
  return Diagnose.unsupportedSetting(
    'identityProvider: Transfer Family FTPS needs a custom identity provider.',
    'give { function: aLambda } (see README, "Deploy on AWS Transfer Family") or { apiGatewayUrl, invocationRole }.',
  );
}
