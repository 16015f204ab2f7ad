import { Annotations, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { Diagnostic, FtpDaemon } from '../core';
import { childPath, daemonProblems, describeValue, Diagnose, PropChecker } from '../core/internal';
import { FtpsEndpoint, FtpsEndpointProps } from './ftps-endpoint';
import { planEndpoint } from './private/props';
import { addServerInstance } from './private/server-instance';

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
    this.daemon = props.daemon ?? 'vsftpd';
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

    const built = addServerInstance(this, props, {
      endpoint: this.endpoint,
      passiveAddress: this.publicIp,
      certificate,
      defaultSubnets: { subnetType: ec2.SubnetType.PUBLIC },
    });
    this.configuration = built.configuration;
    this.vsftpdConf = this.configuration;
    this.instance = built.instance;

    new ec2.CfnEIPAssociation(this, 'ElasticIpAssociation', {
      allocationId: this.elasticIp.attrAllocationId,
      instanceId: this.instance.instanceId,
    });
  }
}

/**
 * Checks the server's own props and the endpoint's (one error for all, with `extra`: a fleet's findings), before
 * anything is created; returns the certificate source. Internal: lib/aws/index.ts does not export it.
 */
export function checkServerProps(
  props: FtpsServerProps,
  path: string,
  extra: readonly Diagnostic[] = [],
): secretsmanager.ISecret | 'selfSigned' {
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
  planEndpoint(props, path, [...c.found, ...found, ...extra]);
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
