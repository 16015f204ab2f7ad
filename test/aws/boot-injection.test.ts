import { CfnParameter, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { FtpsServer } from '../../lib/aws';
import { runWithStubs } from '../support/shell-stubs';
import { scriptSyntaxErrors } from '../support/terraform-custom-data';
import { cfnText, publicFixture, resourcesOf } from './fixtures';

// A secret name is user input that reaches a shell line at boot. aws-cdk-lib accepts any name in
// fromSecretNameV2, and a deploy-time name (a parameter) cannot be checked at synth at all.
const HOSTILE = [
  "ftps/users'; touch INJECTED; echo '",
  'ftps/users"; touch INJECTED; echo "',
  'ftps/users$(touch INJECTED)',
  'ftps/users`touch INJECTED`',
  'ftps/users; touch INJECTED',
];

/** The boot script, with CloudFormation parameters resolved to `refs`. */
function bootScript(secretName: string | ((stack: Stack) => string), refs: Record<string, string> = {}): string {
  const { stack, vpc } = publicFixture();
  const name = typeof secretName === 'string' ? secretName : secretName(stack);
  new FtpsServer(stack, 'Ftps', {
    vpc,
    passivePorts: { from: 50000, to: 50019 },
    clients: [ec2.Peer.ipv4('203.0.113.0/24')],
    certificateSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Cert', name),
    usersSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Users', name),
  });
  const [instance] = resourcesOf(stack, 'AWS::EC2::Instance');
  return cfnText(instance.UserData, false, { 'AWS::Region': 'us-east-1', ...refs });
}

/** Each `aws secretsmanager` command of the script, up to its pipe into Python. */
function secretCommands(script: string): string[] {
  return [...script.matchAll(/^\{ (aws secretsmanager get-secret-value .*? --output text) \|\| /gm)].map((m) => m[1]);
}

describe('AWS FtpsServer boot script: secret names cannot inject commands', () => {
  test.each(HOSTILE)('a literal secret name %p reaches aws as one argument, and nothing else runs', (name) => {
    const script = bootScript(name);
    expect(scriptSyntaxErrors(script)).toEqual([]);
    const commands = secretCommands(script);
    expect(commands).toHaveLength(2); // the certificate and the users
    for (const command of commands) {
      const run = runWithStubs(command, ['aws']);
      expect(run.created).toEqual([]); // `touch INJECTED` never ran
      expect(run.calls).toEqual([
        [
          'aws',
          'secretsmanager',
          'get-secret-value',
          '--region',
          'us-east-1',
          '--secret-id',
          name,
          '--query',
          'SecretString',
          '--output',
          'text',
        ],
      ]);
    }
  });

  test.each(HOSTILE)('a deploy-time secret name resolving to %p is quoted by its value too', (name) => {
    const script = bootScript((stack) => new CfnParameter(stack, 'SecretName').valueAsString, { SecretName: name });
    expect(scriptSyntaxErrors(script)).toEqual([]);
    for (const command of secretCommands(script)) {
      const run = runWithStubs(command, ['aws']);
      expect(run.created).toEqual([]);
      expect(run.calls[0][6]).toBe(name);
    }
  });

  test('negative control: the unquoted form of the same line does run the injected command', () => {
    // Proves the stub harness can see an injection: the line as the boot script wrote it before quoting.
    const run = runWithStubs(
      `aws secretsmanager get-secret-value --secret-id '${HOSTILE[0]}' --query SecretString --output text`,
      ['aws'],
    );
    expect(run.created).toEqual(['INJECTED']);
  });
});
