import { TerraformVariable } from 'cdktf';
import { FtpsServer, FtpsServerProps } from '../../lib/azure';
import { FtpsTls } from '../../lib/core';
import {
  bootScriptConf,
  bootScriptFile,
  confEntries,
  customDataText,
  scriptSyntaxErrors,
} from '../support/terraform-custom-data';
import { BASE, fixture, resourcesOf, warningsOf } from './fixtures';

type Json = Record<string, unknown>;
const THUMBPRINT = '0123456789abcdef0123456789abcdef01234567';
const KEY_VAULT = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-ftps';

function server(overrides: Partial<FtpsServerProps> = {}) {
  const f = fixture();
  const s = new FtpsServer(f.stack, 'Ftps', {
    ...BASE,
    subnetId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/ftps',
    passivePorts: { from: 50000, to: 50019 },
    clients: ['203.0.113.0/24'],
    adminSshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOnlyForTests test',
    keyVaultCertificate: {
      keyVaultId: KEY_VAULT,
      secretId: 'https://kv-ftps.vault.azure.net/secrets/ftps-cert/0123',
      thumbprint: THUMBPRINT,
    },
    usersSecret: { keyVaultId: KEY_VAULT, secretUri: 'https://kv-ftps.vault.azure.net/secrets/ftps-users' },
    ...overrides,
  });
  return { ...f, server: s };
}

const one = (stack: Parameters<typeof resourcesOf>[0], type: string): Json => {
  const [r] = resourcesOf(stack, type);
  return r;
};

/** The boot script as the VM receives it, with the public IP at apply time. */
function script(stack: Parameters<typeof resourcesOf>[0]): string {
  return customDataText(String(one(stack, 'azurerm_linux_virtual_machine').custom_data), (e) => {
    if (/^azurerm_public_ip\.[^.]+\.ip_address$/.test(e)) return '198.51.100.20';
    if (e === 'upper(var.thumb)') return 'ABC';
    throw new Error(`unexpected expression ${e}`);
  });
}

describe('Azure FtpsServer', () => {
  test('the vsftpd.conf in custom_data opens exactly the ports the NSG opens, and PASV advertises the public IP', () => {
    const { stack } = server();
    const conf = confEntries(bootScriptConf(script(stack)));
    const [rule] = resourcesOf(stack, 'azurerm_network_security_rule');
    expect(rule).toMatchObject({
      direction: 'Inbound',
      access: 'Allow',
      protocol: 'Tcp',
      source_address_prefix: '203.0.113.0/24',
      destination_port_ranges: [conf.listen_port, `${conf.pasv_min_port}-${conf.pasv_max_port}`],
    });
    expect(conf).toMatchObject({
      listen_port: '21',
      pasv_min_port: '50000',
      pasv_max_port: '50019',
      pasv_address: '198.51.100.20',
      ssl_enable: 'YES',
      force_local_logins_ssl: 'YES',
      force_local_data_ssl: 'YES',
      rsa_cert_file: `/var/lib/waagent/${THUMBPRINT.toUpperCase()}.crt`,
      rsa_private_key_file: `/var/lib/waagent/${THUMBPRINT.toUpperCase()}.prv`,
    });
  });

  test('a static Standard public IP on the NIC; the NSG is associated with the NIC; no SSH rule', () => {
    const { stack } = server();
    expect(one(stack, 'azurerm_public_ip')).toMatchObject({ allocation_method: 'Static', sku: 'Standard' });
    const nic = one(stack, 'azurerm_network_interface');
    expect((nic.ip_configuration as Json[])[0]).toMatchObject({
      public_ip_address_id: expect.stringMatching(/^\$\{azurerm_public_ip\.Ftps_PublicIp_\w+\.id\}$/),
    });
    expect(one(stack, 'azurerm_network_interface_security_group_association')).toMatchObject({
      network_interface_id: expect.stringMatching(/^\$\{azurerm_network_interface\.Ftps_Nic_\w+\.id\}$/),
    });
    expect(resourcesOf(stack, 'azurerm_subnet_network_security_group_association')).toEqual([]);
    const rules = resourcesOf(stack, 'azurerm_network_security_rule');
    expect(rules).toHaveLength(1);
    expect(JSON.stringify(rules)).not.toContain('"22"');
  });

  test('the VM: Ubuntu LTS, key-only admin, certificate from Key Vault, managed identity reading the users secret', () => {
    const { stack } = server();
    const vm = one(stack, 'azurerm_linux_virtual_machine');
    expect(vm).toMatchObject({
      disable_password_authentication: true,
      source_image_reference: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server' },
      secret: [
        { key_vault_id: KEY_VAULT, certificate: [{ url: 'https://kv-ftps.vault.azure.net/secrets/ftps-cert/0123' }] },
      ],
      identity: { type: 'SystemAssigned' },
    });
    expect(one(stack, 'azurerm_role_assignment')).toMatchObject({
      scope: KEY_VAULT,
      role_definition_name: 'Key Vault Secrets User',
      principal_id: expect.stringMatching(/identity\[0\]\.principal_id/),
    });
    const text = script(stack);
    expect(text).toMatch(/^#!\/bin\/bash\nset -euo pipefail\n/);
    expect(text).toContain("'https://kv-ftps.vault.azure.net/secrets/ftps-users?api-version=7.4'");
    expect(text).toContain('apt-get install -y vsftpd');
    expect(text).toContain('ExecStart=/usr/sbin/vsftpd /etc/vsftpd.conf -obackground=NO');
  });

  test('the boot script is valid bash, and its inline Python programs compile', () => {
    expect(scriptSyntaxErrors(script(server().stack))).toEqual([]);
  });

  test('SSH only when asked, from the named networks; the world is refused', () => {
    const { stack } = server({ sshSources: ['198.51.100.0/24'] });
    const ssh = resourcesOf(stack, 'azurerm_network_security_rule').find((r) => r.destination_port_range === '22');
    expect(ssh).toMatchObject({ priority: 4000, source_address_prefixes: ['198.51.100.0/24'], access: 'Allow' });
    expect(() => server({ sshSources: ['0.0.0.0/0'] })).toThrow(/opens SSH to the whole Internet/);
    expect(() => server({ sshSources: ['198.51.100.1/24'] })).toThrow(/198\.51\.100\.1\/24/);
  });

  test('a thumbprint from a Terraform variable is upper-cased by Terraform, not mangled at synth', () => {
    const f = fixture();
    const thumb = new TerraformVariable(f.stack, 'thumb', { type: 'string' }).stringValue;
    new FtpsServer(f.stack, 'Ftps', {
      ...BASE,
      subnetId: 'subnet',
      passivePorts: { from: 50000, to: 50019 },
      clients: ['203.0.113.0/24'],
      adminSshPublicKey: 'ssh-ed25519 AAAA test',
      keyVaultCertificate: { keyVaultId: KEY_VAULT, secretId: 'https://kv/secrets/c/1', thumbprint: thumb },
    });
    expect(confEntries(bootScriptConf(script(f.stack))).rsa_cert_file).toBe('/var/lib/waagent/ABC.crt');
  });

  test('self-signed: explicit opt-in, a warning, a certificate for the public IP; neither or both is an error', () => {
    const { stack } = server({ keyVaultCertificate: undefined, selfSignedCertificate: true });
    // The public IP reaches the shell base64-encoded by Terraform, decoded into one quoted word.
    expect(script(stack)).toContain(
      `-subj "$(printf %s '${Buffer.from('/CN=198.51.100.20').toString('base64')}' | base64 -d)"`,
    );
    expect(resourcesOf(stack, 'azurerm_linux_virtual_machine')[0].secret).toBeUndefined();
    expect(warningsOf(stack).join('\n')).toContain('[ftps-constructs:selfSignedCertificate]');
    expect(() => server({ keyVaultCertificate: undefined })).toThrow(
      /test\/Ftps: \[ftps-constructs:certificateSource\] no certificate: FTPS needs one\. Fix: give keyVaultCertificate/,
    );
    expect(() => server({ selfSignedCertificate: true })).toThrow(/both given/);
    expect(() =>
      server({ keyVaultCertificate: { keyVaultId: KEY_VAULT, secretId: 'x', thumbprint: 'not-hex' } }),
    ).toThrow(/thumbprint \("not-hex"\) must be a SHA-1 thumbprint/);
  });

  test('implicit TLS: 990 in the config and in the NSG', () => {
    const { stack } = server({ tls: FtpsTls.IMPLICIT });
    expect(confEntries(bootScriptConf(script(stack)))).toMatchObject({ implicit_ssl: 'YES', listen_port: '990' });
    expect(resourcesOf(stack, 'azurerm_network_security_rule')[0].destination_port_ranges).toContain('990');
  });

  test('snapshot of the server (reviewed like code)', () => {
    const { stack, synth } = server();
    const resources = JSON.parse(synth()).resource;
    // The boot script decoded, so the review reads it rather than base64.
    for (const vm of Object.values(resources.azurerm_linux_virtual_machine) as Json[]) vm.custom_data = script(stack);
    expect(resources).toMatchSnapshot();
  });
});

describe('Azure FtpsServer with ProFTPD or Pure-FTPd', () => {
  const rulesOf = (f: ReturnType<typeof server>) =>
    JSON.stringify(
      resourcesOf(f.stack, 'azurerm_network_security_rule').map((r) => [
        r.direction,
        r.destination_port_ranges,
        r.source_address_prefixes,
      ]),
    );

  test('the NSG does not change with the daemon', () => {
    const vsftpd = rulesOf(server());
    expect(rulesOf(server({ daemon: 'proftpd' }))).toEqual(vsftpd);
    expect(rulesOf(server({ daemon: 'pure-ftpd' }))).toEqual(vsftpd);
  });

  test('proftpd: the whole proftpd.conf with the public IP and the Key Vault certificate; apt with no early start', () => {
    const f = server({ daemon: 'proftpd' });
    const text = script(f.stack);
    const conf = bootScriptFile(text, 'FTPS_CONSTRUCTS_PROFTPD_CONF');
    expect(conf).toContain('\nPort 21\nUser nobody\n');
    expect(conf).toContain('\nPassivePorts 50000 50019\nMaxClients 20\nMasqueradeAddress 198.51.100.20\n');
    expect(conf).toContain(`\nTLSRSACertificateFile /var/lib/waagent/${THUMBPRINT.toUpperCase()}.crt\n`);
    expect(text).toContain('apt-get install -y proftpd-core proftpd-mod-crypto openssl python3');
    expect(text).toContain("printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d");
    expect(f.server.daemon).toBe('proftpd');
    expect(scriptSyntaxErrors(text)).toEqual([]);
  });

  test('pure-ftpd: the unit with the flags and the public IP; the wrapper service masked', () => {
    const f = server({ daemon: 'pure-ftpd' });
    const text = script(f.stack);
    const unit = bootScriptFile(text, 'FTPS_CONSTRUCTS_PUREFTPD_UNIT');
    expect(unit).toContain('\nExecStart=/usr/sbin/pure-ftpd -S ,21 -p 50000:50019 -c 10 -P 198.51.100.20 -Y 3 -2 ');
    expect(text).toContain('systemctl mask pure-ftpd.service');
    expect(scriptSyntaxErrors(text)).toEqual([]);
  });

  test.each<[string, Partial<FtpsServerProps>, RegExp]>([
    [
      'pure-ftpd with implicit TLS',
      { daemon: 'pure-ftpd', tls: FtpsTls.IMPLICIT },
      /implicit TLS is a compile-time option of Pure-FTPd/,
    ],
    [
      'an unknown daemon',
      { daemon: 'wu-ftpd' as never },
      /daemon \("wu-ftpd"\) is not one of vsftpd, proftpd, pure-ftpd/,
    ],
  ])('fails for %s, and nothing is added', (_name, overrides, message) => {
    const f = fixture();
    expect(
      () =>
        new FtpsServer(f.stack, 'Ftps', {
          ...BASE,
          subnetId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/ftps',
          passivePorts: { from: 50000, to: 50019 },
          clients: ['203.0.113.0/24'],
          adminSshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOnlyForTests test',
          selfSignedCertificate: true,
          ...overrides,
        }),
    ).toThrow(message);
    expect(f.stack.node.tryFindChild('Ftps')).toBeUndefined();
  });
});
