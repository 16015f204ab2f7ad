import { TerraformVariable } from 'cdktf';
import { DiagnosticIds, FtpsValidationError } from '../../lib/core';
import { FtpsServer, FtpsServerProps } from '../../lib/azure';
import { runWithStubs } from '../support/shell-stubs';
import { customDataText, scriptSyntaxErrors } from '../support/terraform-custom-data';
import { BASE, fixture, resourcesOf } from './fixtures';

const KEY_VAULT = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-ftps';
const HOSTILE_URI = "https://kv-ftps.vault.azure.net/secrets/users'; touch INJECTED; echo '";

/** The server's props, with the users secret URI `secretUri` gives for the stack. */
function props(stack: ReturnType<typeof fixture>['stack'], secretUri: (s: typeof stack) => string): FtpsServerProps {
  return {
    ...BASE,
    subnetId: 'subnet',
    passivePorts: { from: 50000, to: 50019 },
    clients: ['203.0.113.0/24'],
    adminSshPublicKey: 'ssh-ed25519 AAAA test',
    selfSignedCertificate: true,
    usersSecret: { keyVaultId: KEY_VAULT, secretUri: secretUri(stack) },
  };
}

function server(secretUri: (stack: ReturnType<typeof fixture>['stack']) => string) {
  const f = fixture();
  new FtpsServer(f.stack, 'Ftps', props(f.stack, secretUri));
  return f.stack;
}

describe('Azure FtpsServer boot script: the users secret URI cannot inject commands', () => {
  test('a literal URI that is not a Key Vault secret URI is refused with an id, before anything exists', () => {
    const f = fixture();
    let error: unknown;
    try {
      new FtpsServer(
        f.stack,
        'Ftps',
        props(f.stack, () => HOSTILE_URI),
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FtpsValidationError);
    expect((error as FtpsValidationError).diagnostics.map((d) => d.id)).toEqual([DiagnosticIds.INVALID_PROP]);
    expect(f.stack.node.tryFindChild('Ftps')).toBeUndefined();
  });

  test('a deploy-time URI is quoted by its value: the hostile value reaches curl as one argument', () => {
    const stack = server((s) => new TerraformVariable(s, 'users_uri', { type: 'string' }).stringValue);
    const [vm] = resourcesOf(stack, 'azurerm_linux_virtual_machine');
    const script = customDataText(String(vm.custom_data), (e) => {
      if (e === 'var.users_uri') return HOSTILE_URI;
      if (/^azurerm_public_ip\.[^.]+\.ip_address$/.test(e)) return '198.51.100.20';
      throw new Error(`unexpected expression ${e}`);
    });
    expect(scriptSyntaxErrors(script)).toEqual([]);
    const m = /curl -sS -w '\\n%\{http_code\}' -H "Authorization: Bearer \$token" (.+?)\) \|\| /.exec(script);
    expect(m).not.toBeNull();
    const run = runWithStubs(`token=t; curl -H "Authorization: Bearer $token" ${m![1]}`, ['curl']);
    expect(run.created).toEqual([]);
    expect(run.calls).toEqual([['curl', '-H', 'Authorization: Bearer t', `${HOSTILE_URI}?api-version=7.4`]]);
  });
});
