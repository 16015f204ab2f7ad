import { Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { TlsSessionResumptionMode, TransferFtpsServer, TransferFtpsServerProps } from '../../lib/aws';
import { FtpsTls } from '../../lib/core';
import { publicFixture, resourcesOf, warningsOf } from './fixtures';

type Json = Record<string, unknown>;

function transferServer(overrides: Partial<TransferFtpsServerProps> = {}) {
  const { stack, vpc } = publicFixture();
  const fn = lambda.Function.fromFunctionAttributes(stack, 'Idp', {
    functionArn: 'arn:aws:lambda:us-east-1:111111111111:function:ftps-idp',
    sameEnvironment: true,
  });
  const s = new TransferFtpsServer(stack, 'Transfer', {
    vpc,
    clients: [ec2.Peer.ipv4('203.0.113.0/24')],
    certificate: acm.Certificate.fromCertificateArn(
      stack,
      'Cert',
      'arn:aws:acm:us-east-1:111111111111:certificate/12345678-1234-1234-1234-123456789012',
    ),
    identityProvider: { function: fn },
    ...overrides,
  });
  return { stack, server: s, template: Template.fromStack(stack) };
}

describe('AWS TransferFtpsServer', () => {
  test('FTPS on a VPC endpoint with one Elastic IP per subnet, behind the endpoint security group', () => {
    const { stack } = transferServer();
    const [server] = resourcesOf(stack, 'AWS::Transfer::Server');
    const eips = Object.keys(Template.fromStack(stack).findResources('AWS::EC2::EIP'));
    const [sg] = Object.keys(Template.fromStack(stack).findResources('AWS::EC2::SecurityGroup'));
    expect(server).toMatchObject({
      Protocols: ['FTPS'],
      EndpointType: 'VPC',
      Domain: 'S3',
      EndpointDetails: {
        VpcId: 'vpc-12345678',
        SubnetIds: ['subnet-aaaaaaaa', 'subnet-bbbbbbbb'],
        AddressAllocationIds: eips.map((e) => ({ 'Fn::GetAtt': [e, 'AllocationId'] })),
        SecurityGroupIds: [{ 'Fn::GetAtt': [sg, 'GroupId'] }],
      },
      Certificate: 'arn:aws:acm:us-east-1:111111111111:certificate/12345678-1234-1234-1234-123456789012',
      IdentityProviderType: 'AWS_LAMBDA',
      IdentityProviderDetails: { Function: 'arn:aws:lambda:us-east-1:111111111111:function:ftps-idp' },
      ProtocolDetails: { PassiveIp: 'AUTO', TlsSessionResumptionMode: 'ENFORCED' },
      SecurityPolicyName: 'TransferSecurityPolicy-2024-01',
    });
    expect(eips).toHaveLength(2);
  });

  test("the security group opens the service's fixed ports, 21 and 8192-8200, with no small-range warning", () => {
    const { stack } = transferServer();
    const ingress = resourcesOf(stack, 'AWS::EC2::SecurityGroup').flatMap(
      (g) => (g.SecurityGroupIngress as Json[] | undefined) ?? [],
    );
    expect(ingress.map((r) => [r.CidrIp, r.IpProtocol, r.FromPort, r.ToPort])).toEqual([
      ['203.0.113.0/24', 'tcp', 21, 21],
      ['203.0.113.0/24', 'tcp', 8192, 8200],
    ]);
    expect(warningsOf(stack).filter(([ack]) => ack === '')).toEqual([]);
  });

  test('Transfer Family may invoke the Lambda identity provider, from this server only', () => {
    const { stack, server } = transferServer();
    const [permission] = resourcesOf(stack, 'AWS::Lambda::Permission');
    expect(permission).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: 'arn:aws:lambda:us-east-1:111111111111:function:ftps-idp',
      Principal: 'transfer.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [stack.getLogicalId(server.server), 'Arn'] },
    });
  });

  test('an API Gateway identity provider, PassiveIp, resumption mode and logging role reach the server', () => {
    const { stack } = transferServer({
      identityProvider: {
        apiGatewayUrl: 'https://abc.execute-api.us-east-1.amazonaws.com/prod',
        invocationRole: iam.Role.fromRoleArn(stack0(), 'R', 'arn:aws:iam::111111111111:role/idp'),
      },
      passiveIp: '198.51.100.7',
      tlsSessionResumptionMode: TlsSessionResumptionMode.ENABLED,
      loggingRole: iam.Role.fromRoleArn(stack0(), 'L', 'arn:aws:iam::111111111111:role/logs'),
    });
    const [server] = resourcesOf(stack, 'AWS::Transfer::Server');
    expect(server).toMatchObject({
      IdentityProviderType: 'API_GATEWAY',
      IdentityProviderDetails: {
        Url: 'https://abc.execute-api.us-east-1.amazonaws.com/prod',
        InvocationRole: 'arn:aws:iam::111111111111:role/idp',
      },
      ProtocolDetails: { PassiveIp: '198.51.100.7', TlsSessionResumptionMode: 'ENABLED' },
      LoggingRole: 'arn:aws:iam::111111111111:role/logs',
    });
    expect(resourcesOf(stack, 'AWS::Lambda::Permission')).toEqual([]);
  });

  test('asking for ports, TLS modes or active mode the service does not offer is an error naming the fix', () => {
    let message = '';
    try {
      transferServer({
        passivePorts: { from: 50000, to: 50004 },
        controlPort: 2121,
        tls: FtpsTls.IMPLICIT,
        activeMode: true,
        passiveIp: 'my-nat',
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^Stack\/Transfer: 5 invalid FTPS settings/);
    expect(message).toContain("passivePorts (50000-50004): AWS Transfer Family's passive range is fixed at 8192-8200");
    expect(message).toContain('controlPort (2121): AWS Transfer Family listens on 21 only');
    expect(message).toContain('tls ("implicit"): AWS Transfer Family serves explicit FTPS only');
    expect(message).toContain('activeMode: AWS Transfer Family supports passive mode only');
    expect(message).toContain('passiveIp ("my-nat") must be "AUTO", "0.0.0.0" or an IPv4 address');
  });

  test("the service's own values are accepted when given explicitly", () => {
    expect(() =>
      transferServer({
        passivePorts: { from: 8192, to: 8200 },
        controlPort: 21,
        tls: FtpsTls.EXPLICIT,
        passiveIp: '0.0.0.0',
      }),
    ).not.toThrow();
  });

  test('no identity provider is an error', () => {
    expect(() => transferServer({ identityProvider: undefined as never })).toThrow(
      /Transfer Family FTPS needs a custom identity provider\. Fix: give \{ function: aLambda \}/,
    );
  });

  test('snapshot of the server (reviewed like code)', () => {
    expect(transferServer().template.toJSON()).toMatchSnapshot();
  });
});

// Roles imported in a throwaway stack: only their ARNs matter here.
function stack0() {
  return publicFixture().stack;
}
