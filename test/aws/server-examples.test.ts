import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FtpsFleetExampleStack } from '../../bin/aws-fleet-example-stack';
import { FtpsServerExampleStack } from '../../bin/aws-server-example-stack';
import { FtpsTransferExampleStack, IDENTITY_PROVIDER_SOURCE } from '../../bin/aws-transfer-example-stack';
import { createRequire } from 'node:module';
import { validationViolations } from '../support/validation-report';

const nodeRequire = createRequire(__filename);

const examples: Array<[string, (app: App) => Stack & { server: { endpoint: { allowClient(p: ec2.IPeer): void } } }]> = [
  ['FtpsServerExample', (app) => new FtpsServerExampleStack(app, 'FtpsServerExample')],
  ['FtpsTransferExample', (app) => new FtpsTransferExampleStack(app, 'FtpsTransferExample')],
  [
    'FtpsFleetExample',
    (app) => {
      const stack = new FtpsFleetExampleStack(app, 'FtpsFleetExample');
      // The negative control opens one backend to the world, as a careless change to it would.
      return Object.assign(stack, { server: { endpoint: stack.fleet.backends[1].endpoint } });
    },
  ],
];

describe.each(examples)('the %s example stack', (_name, make) => {
  test('synthesizes with no warning, no error and no CloudFormation validation finding', () => {
    const app = new App();
    const stack = make(app);
    const assembly = app.synth();
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    expect(validationViolations(assembly.directory)).toEqual([]);
  });

  test('cdk-nag AwsSolutions: no finding left (each acknowledged one has a reason in the stack)', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    make(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(validationViolations(app.synth().directory)).toEqual([]);
  });

  test('negative control: cdk-nag fails it once the server is opened to the world', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    make(app).server.endpoint.allowClient(ec2.Peer.anyIpv4());
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-EC23/);
  });
});

describe('FtpsServerExample', () => {
  test('takes the VPC, subnet, zone and secret names as parameters, and outputs the address and instance', () => {
    const template = Template.fromStack(new FtpsServerExampleStack(new App(), 'FtpsServerExample'));
    template.hasParameter('VpcId', { Type: 'AWS::EC2::VPC::Id' });
    template.hasParameter('SubnetId', { Type: 'AWS::EC2::Subnet::Id' });
    template.hasParameter('AvailabilityZone', { Type: 'AWS::EC2::AvailabilityZone::Name' });
    template.hasParameter('CertificateSource', { Type: 'String' });
    template.hasParameter('UsersSource', { Type: 'String' });
    template.hasOutput('FtpsAddress', {});
    template.hasOutput('InstanceId', {});
    template.resourceCountIs('AWS::EC2::Instance', 1);
  });
});

describe('FtpsTransferExample', () => {
  test('the identity provider answers only a correct password, with a logical home in the bucket', async () => {
    const secret = { alice: 'correct horse' };
    const sent: unknown[] = [];
    const module = { exports: {} as { handler: (e: unknown) => Promise<Record<string, unknown>> } };
    const fakeRequire = (name: string) => {
      if (name === '@aws-sdk/client-secrets-manager')
        return {
          SecretsManagerClient: class {
            async send(command: unknown) {
              sent.push(command);
              return { SecretString: JSON.stringify(secret) };
            }
          },
          GetSecretValueCommand: class {
            constructor(public readonly input: unknown) {}
          },
        };
      return nodeRequire(name);
    };
    process.env.USERS_SECRET = 'ftps/users';
    process.env.USER_ROLE = 'arn:aws:iam::111111111111:role/user';
    process.env.BUCKET = 'files';
    new Function('require', 'module', 'exports', IDENTITY_PROVIDER_SOURCE)(fakeRequire, module, module.exports);
    const { handler } = module.exports;
    const ok = await handler({ username: 'alice', password: 'correct horse', protocol: 'FTPS' });
    expect(ok).toEqual({
      Role: 'arn:aws:iam::111111111111:role/user',
      HomeDirectoryType: 'LOGICAL',
      HomeDirectoryDetails: JSON.stringify([{ Entry: '/', Target: '/files/alice' }]),
    });
    expect(await handler({ username: 'alice', password: 'wrong', protocol: 'FTPS' })).toEqual({});
    expect(await handler({ username: 'alice', password: 'correct hors', protocol: 'FTPS' })).toEqual({});
    expect(await handler({ username: 'bob', password: '', protocol: 'FTPS' })).toEqual({});
    expect(await handler({ username: 'alice', password: 'correct horse', protocol: 'SFTP' })).toEqual({});
    expect(sent).toEqual(expect.arrayContaining([expect.objectContaining({ input: { SecretId: 'ftps/users' } })]));
  });
});
