import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Template } from 'aws-cdk-lib/assertions';
import { FtpsEndpoint } from '../../lib/aws';
import { FtpsTls } from '../../lib/core';
import { SEED, fixture } from './fixtures';

// One small snapshot per scenario, on an imported VPC. A change here is reviewed like code.
const CLIENT = ec2.Peer.ipv4('203.0.113.0/24');

const scenarios: Array<[string, (stack: Stack, vpc: ec2.IVpc) => void]> = [
  ['explicit', (stack, vpc) => new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, clients: [CLIENT] })],
  [
    'implicit',
    (stack, vpc) => new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, tls: FtpsTls.IMPLICIT, clients: [CLIENT] }),
  ],
  ['active', (stack, vpc) => new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, activeMode: true, clients: [CLIENT] })],
  [
    'ipv6',
    (stack, vpc) =>
      new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, clients: [CLIENT, ec2.Peer.ipv6('2001:db8::/32')] }),
  ],
  [
    'nacl',
    (stack, vpc) =>
      new FtpsEndpoint(stack, 'Ftps', {
        vpc,
        ...SEED,
        networkAcl: ec2.NetworkAcl.fromNetworkAclId(stack, 'Acl', 'acl-12345678'),
        clients: [CLIENT],
      }),
  ],
  [
    'client-side',
    (stack, vpc) => {
      const client = new ec2.SecurityGroup(stack, 'Client', {
        vpc,
        description: 'FTPS client',
        allowAllOutbound: false,
      });
      new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, clients: [client] });
    },
  ],
  [
    'bring-your-own-sg',
    (stack, vpc) =>
      new FtpsEndpoint(stack, 'Ftps', {
        vpc,
        ...SEED,
        securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Existing', 'sg-0123456789abcdef0', {
          allowAllOutbound: false,
        }),
        clients: [CLIENT],
      }),
  ],
];

test.each(scenarios)('snapshot: %s', (_name, build) => {
  const { stack, vpc } = fixture();
  build(stack, vpc);
  expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
});
