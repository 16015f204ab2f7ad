import { CfnOutput, CfnParameter, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { FtpsFleet } from '../lib/aws';
import { EC2_SERVER_NAG_REASONS, SEED_CLIENTS } from './example';

/**
 * An FTPS fleet for the seed client network: 2 vsftpd backends behind a Network Load Balancer, 5 passive ports
 * each (50000-50004 on backend 0, 50005-50009 on backend 1), sharing an EFS file system, in a new VPC (two
 * zones, one NAT gateway, flow logs). The certificate (issued for the name clients use for the balancer's
 * address) and the users come from Secrets Manager secrets named at deploy time:
 *
 *   cdk deploy FtpsFleetExample --parameters CertificateSource=ftps/certificate --parameters UsersSource=ftps/users
 */
export class FtpsFleetExampleStack extends Stack {
  public readonly fleet: FtpsFleet;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      flowLogs: { FlowLogs: { trafficType: ec2.FlowLogTrafficType.REJECT } },
    });
    const secret = (name: string, description: string) =>
      secretsmanager.Secret.fromSecretNameV2(
        this,
        name.replace(/Source$/, 'Secret'),
        new CfnParameter(this, name, { type: 'String', description }).valueAsString,
      );
    this.fleet = new FtpsFleet(this, 'Ftps', {
      vpc,
      backends: 2,
      passivePorts: { from: 50000, to: 50009 },
      // 2 at once per backend (vsftpd's cap on 5 ports), 4 for the fleet: more clients are refused and retry.
      concurrentClients: 4,
      clients: SEED_CLIENTS.map((cidr) => ec2.Peer.ipv4(cidr)),
      certificateSecret: secret(
        'CertificateSource',
        'Name of the Secrets Manager secret holding {"certificate": "<PEM chain>", "privateKey": "<PEM key>"}',
      ),
      usersSecret: secret('UsersSource', 'Name of the Secrets Manager secret holding {"user": "password", ...}'),
    });
    const why = {
      ...EC2_SERVER_NAG_REASONS,
      'AwsSolutions-ELB2':
        'NLB access logs record TLS listeners only; these listeners are TCP (TLS passes through to the backends), so there is nothing to log.',
    };
    for (const [rule, reason] of Object.entries(why)) Validations.of(this.fleet).acknowledge({ id: rule, reason });
    new CfnOutput(this, 'FtpsAddress', {
      value: this.fleet.publicIp,
      description: 'Connect with explicit FTPS to this address, port 21 (passive 50000-50009, advertised in PASV)',
    });
  }
}
