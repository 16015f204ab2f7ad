import { Annotations, CfnOutput, CfnParameter, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { FtpsServer } from '../lib/aws';
import { EC2_SERVER_NAG_REASONS, SEED_CLIENTS } from './example';

/**
 * A deployable FTPS server on EC2 (vsftpd on Amazon Linux 2023) in an existing public subnet, for the seed
 * client network. The certificate and the users come from Secrets Manager secrets named at deploy time:
 *
 *   cdk deploy FtpsServerExample --parameters VpcId=vpc-... --parameters SubnetId=subnet-... \
 *     --parameters AvailabilityZone=eu-west-1a --parameters CertificateSource=ftps/certificate \
 *     --parameters UsersSource=ftps/users
 */
export class FtpsServerExampleStack extends Stack {
  public readonly server: FtpsServer;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const param = (name: string, type: string, description: string) =>
      new CfnParameter(this, name, { type, description }).valueAsString;
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: param('VpcId', 'AWS::EC2::VPC::Id', 'The VPC of the FTPS server'),
      availabilityZones: [
        param('AvailabilityZone', 'AWS::EC2::AvailabilityZone::Name', 'The availability zone of SubnetId'),
      ],
      publicSubnetIds: [
        param('SubnetId', 'AWS::EC2::Subnet::Id', 'A public subnet (a route to an Internet gateway) for the server'),
      ],
    });
    // The server needs no route table id (the subnet's routes are the user's).
    Annotations.of(this).acknowledgeWarning('@aws-cdk/aws-ec2:noSubnetRouteTableId', 'no route is added');
    const secret = (name: string, description: string) =>
      secretsmanager.Secret.fromSecretNameV2(
        this,
        name.replace(/Source$/, 'Secret'),
        param(name, 'String', description),
      );
    this.server = new FtpsServer(this, 'Ftps', {
      vpc,
      // 20 passive ports: 20 transfers being opened at once.
      passivePorts: { from: 50000, to: 50019 },
      clients: SEED_CLIENTS.map((cidr) => ec2.Peer.ipv4(cidr)),
      certificateSecret: secret(
        'CertificateSource',
        'Name of the Secrets Manager secret holding {"certificate": "<PEM chain>", "privateKey": "<PEM key>"}',
      ),
      usersSecret: secret('UsersSource', 'Name of the Secrets Manager secret holding {"user": "password", ...}'),
    });
    const why = EC2_SERVER_NAG_REASONS;
    for (const [rule, reason] of Object.entries(why)) Validations.of(this.server).acknowledge({ id: rule, reason });
    new CfnOutput(this, 'FtpsAddress', {
      value: this.server.publicIp,
      description: 'Connect with explicit FTPS to this address, port 21 (passive 50000-50019)',
    });
    new CfnOutput(this, 'InstanceId', {
      value: this.server.instance.instanceId,
      description: 'Administer with: aws ssm start-session --target <InstanceId>',
    });
  }
}
