import { FtpsOptions, FtpsTls } from '../lib/core';

/**
 * The built-in example, the question this project exists to answer: explicit FTPS, a passive range of
 * 5 ports, clients from one documentation network. Every example app and `npm run synth` use it.
 */
export const SEED_OPTIONS: FtpsOptions = {
  tls: FtpsTls.EXPLICIT,
  passivePorts: { from: 50000, to: 50004 },
};

/** The client network of the example (RFC 5737 documentation range). */
export const SEED_CLIENTS: readonly string[] = ['203.0.113.0/24'];

/**
 * cdk-nag (AwsSolutions) findings an EC2 FTPS server draws by design, with the reasons the examples acknowledge
 * them with (FtpsServer and each FtpsFleet backend alike).
 */
export const EC2_SERVER_NAG_REASONS: Readonly<Record<string, string>> = {
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]':
    'SSM Session Manager replaces SSH: the AWS-managed policy is the documented minimum for the SSM agent.',
  'AwsSolutions-EC28': 'One-minute metrics are charged; opt in with detailedMonitoring: true.',
  'AwsSolutions-EC29':
    'The instance is replaced on configuration change (userDataCausesReplacement); termination protection would block that.',
};
