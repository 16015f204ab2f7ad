import {
  Annotations,
  CfnOutput,
  Fn,
  CfnParameter,
  Duration,
  RemovalPolicy,
  Stack,
  StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CfnBucket } from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { TransferFtpsServer } from '../lib/aws';
import { SEED_CLIENTS } from './example';

/**
 * The minimal identity provider for Transfer Family FTPS: a Lambda function that checks the password against
 * a Secrets Manager secret `{"user": "password", ...}` and lands each user in its own folder of a bucket.
 * Transfer Family calls it with { username, password, protocol, serverId, sourceIp }; an empty answer refuses.
 */
export const IDENTITY_PROVIDER_SOURCE = `
const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager');
const { timingSafeEqual } = require('node:crypto');
const client = new SecretsManagerClient({});
exports.handler = async (event) => {
  const users = JSON.parse(
    (await client.send(new GetSecretValueCommand({ SecretId: process.env.USERS_SECRET }))).SecretString,
  );
  const expected = Buffer.from(String(users[event.username] ?? ''));
  const given = Buffer.from(String(event.password ?? ''));
  if (event.protocol !== 'FTPS' || expected.length === 0 || expected.length !== given.length ||
      !timingSafeEqual(expected, given)) return {};
  return {
    Role: process.env.USER_ROLE,
    HomeDirectoryType: 'LOGICAL',
    HomeDirectoryDetails: JSON.stringify([{ Entry: '/', Target: '/' + process.env.BUCKET + '/' + event.username }]),
  };
};
`;

/**
 * AWS Transfer Family serving FTPS to the seed client network from a VPC endpoint with an Elastic IP, users
 * checked by the Lambda above, files in a new S3 bucket:
 *
 *   cdk deploy FtpsTransferExample --parameters VpcId=vpc-... --parameters SubnetId=subnet-... \
 *     --parameters CertificateArn=arn:aws:acm:... \
 *     --parameters UsersSource=ftps/users
 */
export class FtpsTransferExampleStack extends Stack {
  public readonly server: TransferFtpsServer;
  public readonly identityProvider: lambda.Function;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const param = (name: string, type: string, description: string) =>
      new CfnParameter(this, name, { type, description }).valueAsString;
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: param('VpcId', 'AWS::EC2::VPC::Id', 'The VPC of the server endpoint'),
      // Only the subnet id reaches the template; the zone is a placeholder the endpoint does not use.
      availabilityZones: [Fn.select(0, Fn.getAzs())],
      publicSubnetIds: [param('SubnetId', 'AWS::EC2::Subnet::Id', 'A public subnet for the endpoint')],
    });
    Annotations.of(this).acknowledgeWarning('@aws-cdk/aws-ec2:noSubnetRouteTableId', 'no route is added');
    const certificate = acm.Certificate.fromCertificateArn(
      this,
      'Certificate',
      param('CertificateArn', 'String', 'ACM certificate for the name clients connect to'),
    );
    const users = secretsmanager.Secret.fromSecretNameV2(
      this,
      'UsersSecret',
      param('UsersSource', 'String', 'Name of the Secrets Manager secret holding {"user": "password", ...}'),
    );

    const bucket = new s3.Bucket(this, 'Files', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const userRole = new iam.Role(this, 'UserRole', {
      assumedBy: new iam.ServicePrincipal('transfer.amazonaws.com'),
      description: 'What an FTPS user may do in the bucket (each sees only its own folder)',
    });
    bucket.grantReadWrite(userRole);

    this.identityProvider = new lambda.Function(this, 'IdentityProvider', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline(IDENTITY_PROVIDER_SOURCE),
      timeout: Duration.seconds(10),
      environment: { USERS_SECRET: users.secretName, USER_ROLE: userRole.roleArn, BUCKET: bucket.bucketName },
      logGroup: new logs.LogGroup(this, 'IdentityProviderLogs', { retention: logs.RetentionDays.ONE_MONTH }),
    });
    users.grantRead(this.identityProvider);

    const loggingRole = new iam.Role(this, 'LoggingRole', {
      assumedBy: new iam.ServicePrincipal('transfer.amazonaws.com'),
      description: 'Lets the Transfer Family server write its CloudWatch logs',
    });
    loggingRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
        resources: [`arn:${this.partition}:logs:${this.region}:${this.account}:log-group:/aws/transfer/*`],
      }),
    );

    this.server = new TransferFtpsServer(this, 'Transfer', {
      vpc,
      clients: SEED_CLIENTS.map((cidr) => ec2.Peer.ipv4(cidr)),
      certificate,
      identityProvider: { function: this.identityProvider },
      loggingRole,
    });

    const ack = (scope: Construct, rules: Record<string, string>) => {
      for (const [rule, reason] of Object.entries(rules)) Validations.of(scope).acknowledge({ id: rule, reason });
    };
    ack(bucket, {
      'AwsSolutions-S1': 'An example bucket: server access logs would need a second bucket; enable them in production.',
    });
    ack(userRole, {
      'AwsSolutions-IAM5[Action::s3:Abort*]': 'grantReadWrite: users upload, list and delete their own files.',
      'AwsSolutions-IAM5[Action::s3:DeleteObject*]': 'grantReadWrite: users upload, list and delete their own files.',
      'AwsSolutions-IAM5[Action::s3:GetBucket*]': 'grantReadWrite: users upload, list and delete their own files.',
      'AwsSolutions-IAM5[Action::s3:GetObject*]': 'grantReadWrite: users upload, list and delete their own files.',
      'AwsSolutions-IAM5[Action::s3:List*]': 'grantReadWrite: users upload, list and delete their own files.',
      [`AwsSolutions-IAM5[Resource::<${this.getLogicalId(bucket.node.defaultChild as CfnBucket)}.Arn>/*]`]:
        'Objects of this bucket only; each user is confined to its folder by the logical home directory.',
    });
    ack(this.identityProvider, {
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
        "Lambda's AWS-managed logging policy: CloudWatch Logs writes only.",
    });
    ack(loggingRole, {
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/transfer/*]':
        "Transfer Family's log groups, named after the server id known only after creation.",
    });
    new CfnOutput(this, 'ServerId', { value: this.server.serverId });
    new CfnOutput(this, 'FtpsAddress', {
      value: this.server.elasticIps[0].attrPublicIp,
      description: 'Connect with explicit FTPS to this address, port 21 (passive 8192-8200)',
    });
  }
}
