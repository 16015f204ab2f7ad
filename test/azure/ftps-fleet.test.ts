import { Testing } from 'cdktf';
import { FtpsFleet, FtpsFleetProps } from '../../lib/azure';
import { FtpsValidationError } from '../../lib/core';
import { bootScriptConf, confEntries, customDataText, scriptSyntaxErrors } from '../support/terraform-custom-data';
import { BASE, fixture, warningsOf } from './fixtures';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const SUBNET = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/ftps';
const KEY_VAULT = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-ftps';

const PROPS = {
  ...BASE,
  subnetId: SUBNET,
  name: 'ftps',
  backends: 2,
  passivePorts: { from: 50000, to: 50009 },
  concurrentClients: 4,
  clients: ['203.0.113.0/24'],
  adminSshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOnlyForTests test',
  keyVaultCertificate: {
    keyVaultId: KEY_VAULT,
    secretId: 'https://kv-ftps.vault.azure.net/secrets/ftps-cert/0123',
    thumbprint: '0123456789abcdef0123456789abcdef01234567',
  },
  usersSecret: { keyVaultId: KEY_VAULT, secretUri: 'https://kv-ftps.vault.azure.net/secrets/ftps-users' },
};

function fleet(overrides: Partial<FtpsFleetProps> = {}) {
  const f = fixture();
  const fl = new FtpsFleet(f.stack, 'Fleet', { ...PROPS, ...overrides });
  const tf = JSON.parse(Testing.synth(f.stack, true)) as { resource: Record<string, Record<string, Json>> };
  return { ...f, fleet: fl, tf };
}

const ref = (expr: unknown, type: string): string => {
  const m = new RegExp(`^\\$\\{${type}\\.([^.}]+)\\.id\\}$`).exec(String(expr));
  if (!m) throw new Error(`not a ${type} id: ${String(expr)}`);
  return m[1];
};

/** Each NIC's vsftpd.conf (through the VM that uses it), with the balancer's address as 198.51.100.100. */
function confsByNic(tf: { resource: Record<string, Record<string, Json>> }): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const vm of Object.values(tf.resource.azurerm_linux_virtual_machine)) {
    const script = customDataText(String(vm.custom_data), (e) => {
      if (/^azurerm_public_ip\.[^.]+\.ip_address$/.test(e)) return '198.51.100.100';
      throw new Error(`unexpected expression ${e}`);
    });
    out[ref(vm.network_interface_ids[0], 'azurerm_network_interface')] = confEntries(bootScriptConf(script));
  }
  return out;
}

describe('Azure FtpsFleet: every passive port reaches the VM that advertises it', () => {
  test('one LB rule for the control port over both NICs; one NAT rule per passive port to the NIC that offers it', () => {
    const { tf } = fleet();
    const confs = confsByNic(tf);
    const nics = Object.keys(confs);
    expect(nics).toHaveLength(2);
    const [rule] = Object.values(tf.resource.azurerm_lb_rule);
    expect(rule).toMatchObject({ protocol: 'Tcp', frontend_port: 21, backend_port: 21, floating_ip_enabled: false });
    const pool = ref(rule.backend_address_pool_ids[0], 'azurerm_lb_backend_address_pool');
    const members = Object.values(tf.resource.azurerm_network_interface_backend_address_pool_association)
      .filter((a) => ref(a.backend_address_pool_id, 'azurerm_lb_backend_address_pool') === pool)
      .map((a) => ref(a.network_interface_id, 'azurerm_network_interface'));
    expect(members.sort()).toEqual([...nics].sort());
    const [probe] = Object.values(tf.resource.azurerm_lb_probe);
    expect(probe).toMatchObject({ protocol: 'Tcp', port: 21 });
    expect(ref(rule.probe_id, 'azurerm_lb_probe')).toBe(Object.keys(tf.resource.azurerm_lb_probe)[0]);

    const associations = Object.values(tf.resource.azurerm_network_interface_nat_rule_association);
    const table: Record<string, string[]> = {};
    for (const [key, nat] of Object.entries(tf.resource.azurerm_lb_nat_rule)) {
      expect(nat.backend_port).toBe(nat.frontend_port);
      expect(nat.protocol).toBe('Tcp');
      table[nat.frontend_port] = associations
        .filter((a) => ref(a.nat_rule_id, 'azurerm_lb_nat_rule') === key)
        .map((a) => ref(a.network_interface_id, 'azurerm_network_interface'));
    }
    expect(Object.keys(table).map(Number)).toEqual(Array.from({ length: 10 }, (_, i) => 50000 + i));
    // Reviewed: which VM each NAT rule reaches (NIC resource names shortened to the backend's index).
    const short = (nic: string) => nic.replace(/^Fleet_Backend(\d)_Nic_.*$/, 'backend $1');
    expect(Object.fromEntries(Object.entries(table).map(([p, n]) => [p, n.map(short)]))).toMatchSnapshot();
    for (const [port, owners] of Object.entries(table)) {
      const offering = nics.filter(
        (n) => Number(confs[n].pasv_min_port) <= Number(port) && Number(port) <= Number(confs[n].pasv_max_port),
      );
      expect(owners).toEqual(offering);
      expect(owners).toHaveLength(1);
    }
  });

  test('every VM advertises the balancer’s static IP, has no public IP of its own, and keeps TLS and its cap', () => {
    const { tf } = fleet();
    for (const conf of Object.values(confsByNic(tf)))
      expect(conf).toMatchObject({ pasv_address: '198.51.100.100', ssl_enable: 'YES', max_clients: '2' });
    expect(Object.values(tf.resource.azurerm_public_ip)).toHaveLength(1);
    expect(Object.values(tf.resource.azurerm_public_ip)[0]).toMatchObject({
      allocation_method: 'Static',
      sku: 'Standard',
    });
    for (const nic of Object.values(tf.resource.azurerm_network_interface))
      expect(nic.ip_configuration[0].public_ip_address_id).toBeUndefined();
    // Outbound (packages, Key Vault) through the balancer's outbound rule, not the control rule's SNAT.
    expect(Object.values(tf.resource.azurerm_lb_rule)[0].disable_outbound_snat).toBe(true);
    expect(Object.values(tf.resource.azurerm_lb_outbound_rule)).toHaveLength(1);
  });

  test('each VM’s NSG admits the clients on 21 and its own sub-range only', () => {
    const { tf } = fleet();
    const rules = Object.values(tf.resource.azurerm_network_security_rule).map((r) => [
      r.source_address_prefix,
      r.destination_port_ranges,
    ]);
    expect(rules).toEqual([
      ['203.0.113.0/24', ['21', '50000-50004']],
      ['203.0.113.0/24', ['21', '50005-50009']],
    ]);
  });

  test('the shared NFS share: only the backends’ subnet, mounted before the daemon starts, one user id per name', () => {
    const { tf } = fleet();
    const [account] = Object.values(tf.resource.azurerm_storage_account);
    expect(account).toMatchObject({
      account_kind: 'FileStorage',
      account_tier: 'Premium',
      network_rules: { default_action: 'Deny', virtual_network_subnet_ids: [SUBNET], bypass: ['None'] },
    });
    expect(account.name).toMatch(/^[a-z0-9]{3,24}$/);
    const [share] = Object.values(tf.resource.azurerm_storage_share);
    expect(share).toMatchObject({ enabled_protocol: 'NFS', quota: 100 });
    for (const vm of Object.values(tf.resource.azurerm_linux_virtual_machine)) {
      const script = customDataText(String(vm.custom_data), () => '198.51.100.100');
      expect(scriptSyntaxErrors(script)).toEqual([]);
      expect(script).toContain(
        `'${account.name}.file.core.windows.net:/${account.name}/ftps' '/srv/ftps' >> /etc/fstab`,
      );
      const mount = script.indexOf("mount '/srv/ftps'");
      expect(mount).toBeGreaterThan(script.indexOf('apt-get install -y nfs-common'));
      expect(mount).toBeLessThan(script.indexOf('useradd'));
      expect(mount).toBeLessThan(script.indexOf('systemctl restart vsftpd'));
      expect(script).toContain('wanted = 20000 + zlib.crc32(name.encode()) % 40000');
      // A plain reference, as Terraform wants in depends_on (not an interpolation).
      expect(vm.depends_on.some((d: string) => /^azurerm_storage_share\.[^.$]+$/.test(d))).toBe(true);
    }
  });

  test('no warning for concurrentClients 4 (2 per VM); 6 draws a warning per VM', () => {
    expect(warningsOf(fleet().stack)).toEqual([]);
    expect(warningsOf(fleet({ concurrentClients: 6 }).stack).filter((w) => /smallPassiveRange/.test(w))).toHaveLength(
      2,
    );
  });
});

describe('Azure FtpsFleet: what it refuses, before anything is added', () => {
  test.each<[string, Partial<FtpsFleetProps>, RegExp]>([
    [
      'more passive ports than Azure LB rules',
      { passivePorts: { from: 40000, to: 41499 } },
      /\[ftps-constructs:loadBalancerLimit\] 2 backends with 1500 passive ports in all need 1501 Azure Load Balancer rules/,
    ],
    ['SSH sources', { sshSources: ['198.51.100.0/24'] }, /\[ftps-constructs:invalidFleet\] sshSources/],
    [
      'one shared NSG',
      { networkSecurityGroupName: 'nsg' },
      /\[ftps-constructs:invalidFleet\] networkSecurityGroupName/,
    ],
    ['a storage name Azure refuses', { storageAccountName: 'Ftps_Files' }, /storageAccountName \("Ftps_Files"\)/],
    ['a share under the Premium minimum', { shareQuotaGib: 50 }, /shareQuotaGib/],
    ['active mode', { activeMode: true }, /\[ftps-constructs:invalidFleet\] activeMode/],
    [
      'a name that makes the last VM name too long',
      { name: 'f'.repeat(59), backends: 11 },
      /the last VM would be named "f{59}-10-vm", 65 characters; Azure allows 64\. Fix: give a name of at most 58/,
    ],
  ])('%s', (_name, overrides, message) => {
    const f = fixture();
    const before = f.stack.node.findAll().length;
    let error: unknown;
    try {
      new FtpsFleet(f.stack, 'Fleet', { ...PROPS, ...overrides });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FtpsValidationError);
    expect((error as Error).message).toMatch(/^test\/Fleet: /);
    expect((error as Error).message).toMatch(message);
    expect(f.stack.node.findAll().length).toBe(before);
  });
});
