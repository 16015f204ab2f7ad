import { Annotations, Aws, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { BootCertificate, DiagnosticIds, FtpsValidationError, renderVsftpdBootScript, renderVsftpdConf } from '../core';
import { FtpsEndpoint, FtpsEndpointProps } from './ftps-endpoint';

const CONF_PATH = '/etc/vsftpd/vsftpd.conf';
const CERT_FILE = '/etc/vsftpd/ftps-certificate.pem';
const KEY_FILE = '/etc/vsftpd/ftps-private-key.pem';
const USERS_ROOT = '/srv/ftps';

/** Properties of an AWS {@link FtpsServer}: the FTPS options and firewall, plus the server. */
export interface FtpsServerProps extends FtpsEndpointProps {
  /**
   * Where the instance goes: a public subnet (the Elastic IP needs an Internet gateway route).
   * @default the VPC's public subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * A Secrets Manager secret whose string is JSON `{"certificate": "<PEM chain>", "privateKey": "<PEM key>"}`,
   * issued for the name clients connect to. Read at boot by the instance role.
   * @default none: give this, or opt in to `selfSignedCertificate`
   */
  readonly certificateSecret?: secretsmanager.ISecret;
  /**
   * Make a self-signed certificate at boot instead (clients must skip verification: for tests only). An
   * explicit opt-in, and a warning.
   * @default false
   */
  readonly selfSignedCertificate?: boolean;
  /**
   * A Secrets Manager secret whose string is JSON `{"user": "password", ...}`: the FTP users, created at boot
   * as local users confined to /srv/ftps/<user>, with no shell.
   */
  readonly usersSecret: secretsmanager.ISecret;
  /** @default t3.micro */
  readonly instanceType?: ec2.InstanceType;
  /** @default the latest Amazon Linux 2023 (x86_64), from its public SSM parameter */
  readonly machineImage?: ec2.IMachineImage;
  /** Size of the encrypted root volume in GiB. @default 8 */
  readonly volumeSize?: number;
  /**
   * Require data connections to resume the control connection's TLS session (vsftpd `require_ssl_reuse`).
   * @default true
   */
  readonly requireSessionReuse?: boolean;
  /** One-minute CloudWatch metrics (charged). @default false */
  readonly detailedMonitoring?: boolean;
}

/**
 * A working FTPS server on EC2: Amazon Linux 2023 with vsftpd configured at boot from the same options as its
 * firewall ({@link FtpsEndpoint}), an Elastic IP advertised in PASV replies (the NAT trap), the certificate
 * and users from Secrets Manager. IMDSv2 required, no SSH (administration through SSM Session Manager), an
 * encrypted volume, egress limited to HTTPS (SSM, Secrets Manager, package repositories).
 */
export class FtpsServer extends Construct implements ec2.IConnectable {
  /** The firewall: allow more clients with `server.endpoint.allowClient(peer)`. */
  public readonly endpoint: FtpsEndpoint;
  public readonly instance: ec2.Instance;
  public readonly elasticIp: ec2.CfnEIP;
  /** The public address clients connect to (the Elastic IP), a deploy-time token. */
  public readonly publicIp: string;
  /** The vsftpd.conf written at boot. */
  public readonly vsftpdConf: string;
  public readonly connections: ec2.Connections;

  constructor(scope: Construct, id: string, props: FtpsServerProps) {
    super(scope, id);
    const certificate = certificateSource(this.node.path, props);
    if (certificate === 'selfSigned') {
      Annotations.of(this).addWarningV2(
        DiagnosticIds.SELF_SIGNED_CERTIFICATE,
        'selfSignedCertificate: the server makes its own certificate at boot; clients must skip verification, so anyone in the path could intercept the session. For tests only. Fix: give certificateSecret.',
      );
    }

    this.endpoint = new FtpsEndpoint(this, 'Endpoint', props);
    this.connections = this.endpoint.connections;
    this.elasticIp = new ec2.CfnEIP(this, 'ElasticIp', { domain: 'vpc' });
    this.publicIp = this.elasticIp.attrPublicIp;

    this.vsftpdConf = renderVsftpdConf(
      props,
      {
        certificateFile: CERT_FILE,
        privateKeyFile: KEY_FILE,
        passiveAddress: this.publicIp,
        requireSessionReuse: props.requireSessionReuse,
      },
      { isUnresolved: (v) => Token.isUnresolved(v) },
    );

    // The FTPS group admits clients and allows nothing out; this one lets the instance reach SSM, Secrets
    // Manager and the package repositories (DNS, NTP and IMDS are not filtered by security groups).
    const admin = new ec2.SecurityGroup(this, 'AdminSecurityGroup', {
      vpc: props.vpc,
      allowAllOutbound: false,
      description: 'FTPS server administration: HTTPS out (SSM, Secrets Manager, packages)',
    });
    admin.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to SSM, Secrets Manager and package repositories',
    );

    const userData = ec2.UserData.forLinux();
    userData.addCommands(
      ...renderVsftpdBootScript({
        conf: this.vsftpdConf,
        packageManager: 'dnf',
        confPath: CONF_PATH,
        certificateFile: CERT_FILE,
        privateKeyFile: KEY_FILE,
        certificate:
          certificate === 'selfSigned'
            ? { kind: 'selfSigned', commonName: this.publicIp }
            : fetchCertificate(secretId(certificate)),
        usersJsonCommand: `aws secretsmanager get-secret-value --region ${Aws.REGION} --secret-id '${secretId(props.usersSecret)}' --query SecretString --output text`,
        usersRoot: USERS_ROOT,
      }),
    );

    this.instance = new ec2.Instance(this, 'Instance', {
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PUBLIC },
      instanceType: props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
      machineImage: props.machineImage ?? ec2.MachineImage.latestAmazonLinux2023(),
      securityGroup: this.endpoint.securityGroup,
      ssmSessionPermissions: true,
      detailedMonitoring: props.detailedMonitoring ?? false,
      userData,
      // A changed configuration (ports, address, certificate source) takes effect on a new instance.
      userDataCausesReplacement: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(props.volumeSize ?? 8, {
            encrypted: true,
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            deleteOnTermination: true,
          }),
        },
      ],
    });
    // IMDSv2 on the instance itself: `requireImdsv2` would add a launch template with a fixed name, which
    // collides between two servers in one account and region.
    (this.instance.node.defaultChild as ec2.CfnInstance).metadataOptions = {
      httpTokens: 'required',
      httpEndpoint: 'enabled',
    };
    this.instance.addSecurityGroup(admin);
    props.usersSecret.grantRead(this.instance);
    if (certificate !== 'selfSigned') certificate.grantRead(this.instance);

    new ec2.CfnEIPAssociation(this, 'ElasticIpAssociation', {
      allocationId: this.elasticIp.attrAllocationId,
      instanceId: this.instance.instanceId,
    });
  }
}

/** The certificate secret, or 'selfSigned' (with its warning); an error for neither or both. */
function certificateSource(
  path: string,
  props: Pick<FtpsServerProps, 'certificateSecret' | 'selfSignedCertificate'>,
): secretsmanager.ISecret | 'selfSigned' {
  const selfSigned = props.selfSignedCertificate === true;
  if (props.certificateSecret && selfSigned) {
    throw new FtpsValidationError(
      [
        {
          id: DiagnosticIds.CERTIFICATE_SOURCE,
          level: 'error',
          message:
            'certificateSecret and selfSignedCertificate: true were both given. Fix: remove selfSignedCertificate to use the secret.',
        },
      ],
      path,
    );
  }
  if (props.certificateSecret) return props.certificateSecret;
  if (!selfSigned) {
    throw new FtpsValidationError(
      [
        {
          id: DiagnosticIds.CERTIFICATE_SOURCE,
          level: 'error',
          message:
            'no certificate: FTPS needs one. Fix: give certificateSecret (a secret holding {"certificate", "privateKey"} in PEM), or, for a test server, selfSignedCertificate: true.',
        },
      ],
      path,
    );
  }
  return 'selfSigned';
}

/** Writes the certificate and key from a secret holding {"certificate", "privateKey"}. */
function fetchCertificate(secretArn: string): BootCertificate {
  return {
    kind: 'fetch',
    commands: [
      `aws secretsmanager get-secret-value --region ${Aws.REGION} --secret-id '${secretArn}' --query SecretString --output text | python3 -c '`,
      'import json, sys',
      's = json.load(sys.stdin)',
      `open("${CERT_FILE}", "w").write(s["certificate"])`,
      `open("${KEY_FILE}", "w").write(s["privateKey"])`,
      "'",
    ],
  };
}

/** The full ARN when known; else the name (a partial ARN could match another secret whose name ends alike). */
function secretId(secret: secretsmanager.ISecret): string {
  return secret.secretFullArn ?? secret.secretName;
}
