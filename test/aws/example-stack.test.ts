import { App, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FtpsExampleStack } from '../../bin/aws-example-stack';
import { validationViolations } from '../support/validation-report';

describe('the AWS example stack (bin/aws-example-stack.ts)', () => {
  test('opens exactly TCP 21 and 50000-50004 from 203.0.113.0/24, in the VPC given at deploy time', () => {
    const stack = new FtpsExampleStack(new App(), 'FtpsExample');
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 1);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      VpcId: { Ref: 'VpcId' },
      SecurityGroupIngress: [
        {
          CidrIp: '203.0.113.0/24',
          IpProtocol: 'tcp',
          FromPort: 21,
          ToPort: 21,
          Description: 'FTPS control (explicit)',
        },
        {
          CidrIp: '203.0.113.0/24',
          IpProtocol: 'tcp',
          FromPort: 50000,
          ToPort: 50004,
          Description: 'FTPS passive data 50000-50004',
        },
      ],
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32', IpProtocol: 'icmp' })],
    });
    template.hasParameter('VpcId', { Type: 'AWS::EC2::VPC::Id' });
    template.hasOutput('FtpsSecurityGroupId', {});
  });

  test('synthesizes with no warning and no error (the small-range warning is acknowledged with a reason)', () => {
    const app = new App();
    const stack = new FtpsExampleStack(app, 'FtpsExample');
    app.synth();
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
  });

  test('has no CloudFormation validation finding', () => {
    const app = new App();
    new FtpsExampleStack(app, 'FtpsExample');
    expect(validationViolations(app.synth().directory)).toEqual([]);
  });

  test('negative control: the validation report does show findings when there are some', () => {
    const app = new App();
    const stack = new FtpsExampleStack(app, 'FtpsExample');
    new ec2.CfnInstance(stack, 'Hardcoded', { imageId: 'ami-12345678', availabilityZone: 'us-east-1a' });
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined); // the plugin prints its report
    const assembly = app.synth();
    quiet.mockRestore();
    expect(validationViolations(assembly.directory)).toEqual([
      'CloudFormation Validate W3010 FtpsExample/Hardcoded',
      'CloudFormation Validate W9010 FtpsExample/Hardcoded',
    ]);
  });

  test('cdk-nag AwsSolutions (v3 validation plugin): no finding', () => {
    const app = new App();
    new FtpsExampleStack(app, 'FtpsExample');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // A finding interrupts synthesis; the report says which rule fired where.
    expect(validationViolations(app.synth().directory)).toEqual([]);
  });

  test('negative control: cdk-nag does fail the example once a world-open client is added', () => {
    const app = new App();
    const stack = new FtpsExampleStack(app, 'FtpsExample');
    stack.endpoint.allowClient(ec2.Peer.anyIpv4());
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-EC23/);
  });
});
