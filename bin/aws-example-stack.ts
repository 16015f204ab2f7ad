import { Annotations, CfnOutput, CfnParameter, Fn, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { FtpsEndpoint } from '../lib/aws';
import { DiagnosticIds } from '../lib/core';
import { SEED_CLIENTS, SEED_OPTIONS } from './example';

/**
 * The seed case on AWS, deployable into an existing VPC: explicit FTPS, passive range 50000-50004, one
 * client network. `cdk deploy --parameters VpcId=vpc-...`; attach the output security group to the server.
 */
export class FtpsExampleStack extends Stack {
  public readonly endpoint: FtpsEndpoint;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const vpcId = new CfnParameter(this, 'VpcId', {
      type: 'AWS::EC2::VPC::Id',
      description: 'The VPC of the FTPS server',
    });
    // A security group needs only the VPC id; no subnets are imported.
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: vpcId.valueAsString,
      availabilityZones: [Fn.select(0, Fn.getAzs())],
    });
    this.endpoint = new FtpsEndpoint(this, 'Ftps', {
      ...SEED_OPTIONS,
      vpc,
      clients: SEED_CLIENTS.map((cidr) => ec2.Peer.ipv4(cidr)),
    });
    // The question this project answers has 5 passive ports: fine for a few concurrent transfers.
    Annotations.of(this.endpoint).acknowledgeWarning(
      DiagnosticIds.SMALL_PASSIVE_RANGE,
      'The seed case: 5 passive ports, as asked; enough for a few concurrent transfers.',
    );
    new CfnOutput(this, 'FtpsSecurityGroupId', {
      value: this.endpoint.securityGroup.securityGroupId,
      description: 'Attach this security group to the FTPS server (pasv_min_port=50000, pasv_max_port=50004)',
    });
  }
}
