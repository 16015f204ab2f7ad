// The EC2 instance of an FTPS server, shared by FtpsServer (one server, its own Elastic IP) and FtpsFleet (backends
// behind a Network Load Balancer, advertising the balancer's address, with shared storage mounted at boot).
import { Aws, Fn, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { FtpDaemon, renderDaemonConfiguration } from '../../core';
import { BootCertificate, renderVsftpdBootScript, ShellQuoting, shellWord } from '../../core/internal';
import type { FtpsEndpoint } from '../ftps-endpoint';
import type { FtpsServerProps } from '../ftps-server';

/** Values in the boot script are quoted as one shell word; tokens by their value, base64-encoded by CloudFormation. */
export const QUOTING: ShellQuoting = { isUnresolved: (v) => Token.isUnresolved(v), base64: (v) => Fn.base64(v) };
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
/** Where the FTP users' homes are: /srv/ftps/<user>. */
export const USERS_ROOT = '/srv/ftps';

/** How the instance is placed and what it advertises. */
export interface ServerInstanceOptions {
  /** The instance's firewall (its options are what the daemon is configured from). */
  readonly endpoint: FtpsEndpoint;
  /** The address in PASV replies: the server's Elastic IP, or the fleet's load balancer. */
  readonly passiveAddress: string;
  readonly certificate: secretsmanager.ISecret | 'selfSigned';
  /** Subnets when props.vpcSubnets is not given. */
  readonly defaultSubnets: ec2.SubnetSelection;
  /** Boot commands after the packages are installed, before the users root is made (a shared mount). */
  readonly prepare?: readonly string[];
  /** User ids from the user names (shared storage: every backend gives a user the same id). @default false */
  readonly stableUids?: boolean;
  /** The construct ids of the instance and its administration group. @default 'Instance', 'AdminSecurityGroup' */
  readonly ids?: { readonly instance: string; readonly admin: string };
}

export interface ServerInstance {
  readonly instance: ec2.Instance;
  readonly configuration: string;
  readonly daemon: FtpDaemon;
  /** The administration group: HTTPS out (SSM, Secrets Manager, packages). */
  readonly admin: ec2.SecurityGroup;
}

/** Adds the instance, its administration group and its boot script to `scope`; props are already checked. */
export function addServerInstance(scope: Construct, props: FtpsServerProps, o: ServerInstanceOptions): ServerInstance {
  const daemon = props.daemon ?? 'vsftpd';
  const packageManager = props.packageManager ?? (daemon === 'vsftpd' ? 'dnf' : 'apt');
  const files = FILES[daemon];
  const ids = o.ids ?? { instance: 'Instance', admin: 'AdminSecurityGroup' };
  const configuration = renderDaemonConfiguration(
    daemon,
    o.endpoint.options,
    {
      ...files,
      passiveAddress: o.passiveAddress,
      requireSessionReuse: props.requireSessionReuse,
    },
    { isUnresolved: (v) => Token.isUnresolved(v), singleLine },
  );

  // The FTPS group admits clients and allows nothing out; this one lets the instance reach SSM, Secrets
  // Manager and the package repositories (DNS, NTP and IMDS are not filtered by security groups).
  const admin = new ec2.SecurityGroup(scope, ids.admin, {
    vpc: props.vpc,
    allowAllOutbound: false,
    description: 'FTPS server administration: HTTPS out (SSM, Secrets Manager, packages)',
  });
  admin.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to SSM, Secrets Manager and package repositories');
  if (packageManager === 'apt') {
    // Ubuntu's and Debian's mirrors are plain HTTP; apt checks every package's signature.
    admin.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP to the apt mirrors (signed packages)');
  }

  const userData = ec2.UserData.forLinux();
  userData.addCommands(
    ...renderVsftpdBootScript({
      daemon,
      conf: configuration,
      packageManager,
      confPath: CONF_PATH,
      ...files,
      // Amazon Linux has the AWS CLI; Ubuntu's AMIs have it as a snap only, Debian's as a package.
      prepare: [
        ...(packageManager === 'apt'
          ? ['command -v aws >/dev/null || snap install aws-cli --classic || apt-get install -y awscli']
          : []),
        ...(o.prepare ?? []),
      ],
      certificate:
        o.certificate === 'selfSigned'
          ? { kind: 'selfSigned', commonName: o.passiveAddress }
          : fetchCertificate(secretId(o.certificate), files),
      usersJsonCommand: readSecret(secretId(props.usersSecret), 'the users secret'),
      usersRoot: USERS_ROOT,
      stableUids: o.stableUids,
      quoting: QUOTING,
    }),
  );

  const instance = new ec2.Instance(scope, ids.instance, {
    vpc: props.vpc,
    vpcSubnets: props.vpcSubnets ?? o.defaultSubnets,
    instanceType: props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
    machineImage:
      props.machineImage ??
      (daemon === 'vsftpd'
        ? ec2.MachineImage.latestAmazonLinux2023()
        : ec2.MachineImage.fromSsmParameter(UBUNTU_2404, { os: ec2.OperatingSystemType.LINUX })),
    securityGroup: o.endpoint.securityGroup,
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
  (instance.node.defaultChild as ec2.CfnInstance).metadataOptions = {
    httpTokens: 'required',
    httpEndpoint: 'enabled',
  };
  instance.addSecurityGroup(admin);
  props.usersSecret.grantRead(instance);
  if (o.certificate !== 'selfSigned') o.certificate.grantRead(instance);
  return { instance, configuration, daemon, admin };
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
