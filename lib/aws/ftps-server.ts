import { Annotations, Aws, Fn, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { Diagnostic, FtpDaemon, renderDaemonConfiguration } from '../core';
import {
  BootCertificate,
  childPath,
  daemonProblems,
  describeValue,
  Diagnose,
  PropChecker,
  renderVsftpdBootScript,
  ShellQuoting,
  shellWord,
} from '../core/internal';
import { FtpsEndpoint, FtpsEndpointProps } from './ftps-endpoint';
import { planEndpoint } from './private/props';

/** Values in the boot script are quoted as one shell word; tokens by their value, base64-encoded by CloudFormation. */
const QUOTING: ShellQuoting = { isUnresolved: (v) => Token.isUnresolved(v), base64: (v) => Fn.base64(v) };
/** A token's first line, at deploy time: it cannot add a line to vsftpd.conf. */
const singleLine = (v: string) => Fn.select(0, Fn.split('\n', v));

const CONF_PATH = '/etc/vsftpd/vsftpd.conf';
/** Certificate and key paths: vsftpd's directory for vsftpd (as before), a directory of our own for the others. */
const FILES: Record<FtpDaemon, { certificateFile: string; privateKeyFile: string }> = {
  vsftpd: { certificateFile: '/etc/vsftpd/ftps-certificate.pem', privateKeyFile: '/etc/vsftpd/ftps-private-key.pem' },
  proftpd: {
    certificateFile: '/etc/ftps-constructs/certificate.pem',
    privateKeyFile: '/etc/ftps-constructs/private-key.pem',
  },
  'pure-ftpd': {
    certificateFile: '/etc/ftps-constructs/certificate.pem',
    privateKeyFile: '/etc/ftps-constructs/private-key.pem',
  },
};
/** Ubuntu 24.04 LTS (x86_64), Canonical's public SSM parameter: the default image for ProFTPD and Pure-FTPd. */
const UBUNTU_2404 = '/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id';
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
  /**
   * The FTP daemon, configured from the same options as the firewall (which does not change with it). ProFTPD and
   * Pure-FTPd run on Ubuntu or Debian (Amazon Linux 2023 does not package them); Pure-FTPd has no implicit TLS.
   * @default vsftpd
   */
  readonly daemon?: FtpDaemon;
  /**
   * @default vsftpd: the latest Amazon Linux 2023 (x86_64); ProFTPD and Pure-FTPd: Ubuntu 24.04 LTS (x86_64);
   * both from their public SSM parameters
   */
  readonly machineImage?: ec2.IMachineImage;
  /**
   * The image's package manager, for a `machineImage` of your own.
   * @default dnf for vsftpd (Amazon Linux), apt for ProFTPD and Pure-FTPd
   */
  readonly packageManager?: 'dnf' | 'apt';
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
  /** The FTP daemon the instance runs. */
  public readonly daemon: FtpDaemon;
  /** The configuration written at boot: vsftpd.conf, proftpd.conf, or Pure-FTPd's systemd unit. */
  public readonly configuration: string;
  /** The configuration written at boot (the name from when vsftpd was the only daemon). @deprecated use configuration */
  public readonly vsftpdConf: string;
  public readonly connections: ec2.Connections;

  constructor(scope: Construct, id: string, props: FtpsServerProps) {
    // Every prop, the endpoint's included, is checked before anything is added to the tree.
    const path = childPath(scope, id);
    const certificate = checkServerProps(props, path);
    super(scope, id);
    const daemon = props.daemon ?? 'vsftpd';
    const packageManager = props.packageManager ?? (daemon === 'vsftpd' ? 'dnf' : 'apt');
    const files = FILES[daemon];
    this.daemon = daemon;
    if (certificate === 'selfSigned') {
      const w = Diagnose.selfSignedCertificate(
        'selfSignedCertificate: the server makes its own certificate at boot; clients must skip verification, so anyone in the path could intercept the session. For tests only.',
        'give certificateSecret.',
      );
      Annotations.of(this).addWarningV2(w.id, w.message);
    }

    this.endpoint = new FtpsEndpoint(this, 'Endpoint', props);
    this.connections = this.endpoint.connections;
    this.elasticIp = new ec2.CfnEIP(this, 'ElasticIp', { domain: 'vpc' });
    this.publicIp = this.elasticIp.attrPublicIp;

    this.configuration = renderDaemonConfiguration(
      daemon,
      this.endpoint.options,
      {
        ...files,
        passiveAddress: this.publicIp,
        requireSessionReuse: props.requireSessionReuse,
      },
      { isUnresolved: (v) => Token.isUnresolved(v), singleLine },
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
    if (packageManager === 'apt') {
      // Ubuntu's and Debian's mirrors are plain HTTP; apt checks every package's signature.
      admin.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP to the apt mirrors (signed packages)');
    }

    this.vsftpdConf = this.configuration;

    const userData = ec2.UserData.forLinux();
    userData.addCommands(
      ...renderVsftpdBootScript({
        daemon,
        conf: this.configuration,
        packageManager,
        confPath: CONF_PATH,
        ...files,
        // Amazon Linux has the AWS CLI; Ubuntu's AMIs have it as a snap only, Debian's as a package.
        prepare:
          packageManager === 'apt'
            ? ['command -v aws >/dev/null || snap install aws-cli --classic || apt-get install -y awscli']
            : [],
        certificate:
          certificate === 'selfSigned'
            ? { kind: 'selfSigned', commonName: this.publicIp }
            : fetchCertificate(secretId(certificate), files),
        usersJsonCommand: readSecret(secretId(props.usersSecret), 'the users secret'),
        usersRoot: USERS_ROOT,
        quoting: QUOTING,
      }),
    );

    this.instance = new ec2.Instance(this, 'Instance', {
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PUBLIC },
      instanceType: props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
      machineImage:
        props.machineImage ??
        (daemon === 'vsftpd'
          ? ec2.MachineImage.latestAmazonLinux2023()
          : ec2.MachineImage.fromSsmParameter(UBUNTU_2404, { os: ec2.OperatingSystemType.LINUX })),
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

/**
 * Checks the server's own props and the endpoint's (one error for all), before anything is created; returns the
 * certificate source.
 */
function checkServerProps(props: FtpsServerProps, path: string): secretsmanager.ISecret | 'selfSigned' {
  const c = new PropChecker((v) => Token.isUnresolved(v));
  const found: Diagnostic[] = [];
  let certificate: secretsmanager.ISecret | 'selfSigned' = 'selfSigned';
  if (typeof props === 'object' && props !== null) {
    const secret = (name: 'usersSecret' | 'certificateSecret', required: boolean) => {
      const fix = `pass a secretsmanager.ISecret (e.g. secretsmanager.Secret.fromSecretNameV2(this, '${name}', 'ftps/${name === 'usersSecret' ? 'users' : 'certificate'}')).`;
      const value = c.object(name, props[name], { diagnose: Diagnose.invalidProp, fix }, required);
      if (value !== undefined && typeof value.secretName !== 'string' && typeof value.secretArn !== 'string') {
        c.add(Diagnose.invalidProp(`${name} (${describeValue(value)}) is not a Secrets Manager secret.`, fix));
      }
    };
    secret('usersSecret', true);
    secret('certificateSecret', false);
    for (const name of ['selfSignedCertificate', 'requireSessionReuse', 'detailedMonitoring'] as const) {
      if (props[name] !== undefined) {
        c.boolean(name, props[name], {
          diagnose: Diagnose.invalidProp,
          fix: `pass true or false, or leave ${name} out.`,
        });
      }
    }
    c.integer(
      'volumeSize',
      props.volumeSize,
      { min: 8, max: 16384 },
      {
        diagnose: Diagnose.invalidProp,
        fix: 'give the root volume size in GiB (Amazon Linux 2023 needs at least 8), or leave it out.',
      },
    );
    const shape = (
      name: 'vpcSubnets' | 'instanceType' | 'machineImage',
      fits: (v: Record<string, unknown>) => boolean,
      what: string,
    ) => {
      const fix = `leave ${name} out for the default, or pass ${what}.`;
      const value = c.object(name, props[name], { diagnose: Diagnose.invalidProp, fix });
      if (value !== undefined && !fits(value))
        c.add(Diagnose.invalidProp(`${name} (${describeValue(value)}) is not ${what}.`, fix));
    };
    shape('vpcSubnets', () => true, 'an ec2.SubnetSelection');
    shape('instanceType', (v) => typeof v.architecture === 'string', 'an ec2.InstanceType');
    shape('machineImage', (v) => typeof v.getImage === 'function', 'an ec2.IMachineImage');
    found.push(...daemonProblems(props));
    if (c.found.length === 0) {
      const picked = certificateSource(props);
      if (typeof picked === 'object' && 'level' in picked) found.push(picked as Diagnostic);
      else certificate = picked as secretsmanager.ISecret | 'selfSigned';
    }
  }
  // The endpoint's checks, with the server's findings in the same error; nothing is created by them.
  planEndpoint(props, path, [...c.found, ...found]);
  return certificate;
}

/** The certificate secret, or 'selfSigned'; an error for neither or both. */
function certificateSource(
  props: Pick<FtpsServerProps, 'certificateSecret' | 'selfSignedCertificate'>,
): secretsmanager.ISecret | 'selfSigned' | Diagnostic {
  const selfSigned = props.selfSignedCertificate === true;
  if (props.certificateSecret && selfSigned) {
    return Diagnose.certificateSource(
      'certificateSecret and selfSignedCertificate: true were both given.',
      'remove selfSignedCertificate to use the secret.',
    );
  }
  if (props.certificateSecret) return props.certificateSecret;
  if (!selfSigned) {
    return Diagnose.certificateSource(
      'no certificate: FTPS needs one.',
      'give certificateSecret (a secret holding {"certificate", "privateKey"} in PEM), or, for a test server, selfSignedCertificate: true.',
    );
  }
  return 'selfSigned';
}

/** Writes the certificate and key from a secret holding {"certificate", "privateKey"}. */
function fetchCertificate(
  secretArn: string,
  files: { certificateFile: string; privateKeyFile: string },
): BootCertificate {
  return {
    kind: 'fetch',
    commands: [
      // The paths reach Python as arguments, never inside its text.
      `${readSecret(secretArn, 'the certificate secret')} | python3 -c '`,
      'import json, sys',
      's = json.load(sys.stdin)',
      'open(sys.argv[1], "w").write(s["certificate"])',
      'open(sys.argv[2], "w").write(s["privateKey"])',
      `' ${shellWord(files.certificateFile)} ${shellWord(files.privateKeyFile)}`,
    ],
  };
}

/**
 * Prints a secret's string; when Secrets Manager cannot give it, a line saying which secret goes to the log (the
 * journal) and the boot script stops there (set -e, pipefail): no daemon starts half-configured.
 */
function readSecret(id: string, what: string): string {
  return `{ aws secretsmanager get-secret-value --region ${shellWord(Aws.REGION, QUOTING)} --secret-id ${shellWord(id, QUOTING)} --query SecretString --output text || { echo "ftps-constructs: cannot read ${what} from Secrets Manager; stopping before the FTP daemon starts" >&2; exit 1; }; }`;
}

/** The full ARN when known; else the name (a partial ARN could match another secret whose name ends alike). */
function secretId(secret: secretsmanager.ISecret): string {
  return secret.secretFullArn ?? secret.secretName;
}
