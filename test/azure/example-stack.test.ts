import { NetworkSecurityRule } from '@cdktf/provider-azurerm/lib/network-security-rule';
import { SubnetNetworkSecurityGroupAssociation } from '@cdktf/provider-azurerm/lib/subnet-network-security-group-association';
import { Testing } from 'cdktf';
import { FtpsAzureExampleStack } from '../../bin/azure-example-stack';
import { FtpsAzureFleetExampleStack } from '../../bin/azure-fleet-example-stack';
import { FtpsAzureServerExampleStack } from '../../bin/azure-server-example-stack';
import { warningsOf } from './fixtures';

describe('the Azure example stack (bin/azure-example-stack.ts)', () => {
  test('one inbound rule: TCP 21 and 50000-50004 from 203.0.113.0/24, NSG associated with the server subnet', () => {
    const stack = new FtpsAzureExampleStack(Testing.app(), 'example');
    const out = Testing.synth(stack, true);
    const rules = Object.values(JSON.parse(out).resource.azurerm_network_security_rule) as Array<
      Record<string, unknown>
    >;
    expect(rules).toHaveLength(1);
    expect(out).toHaveResourceWithProperties(NetworkSecurityRule, {
      direction: 'Inbound',
      access: 'Allow',
      protocol: 'Tcp',
      priority: 100,
      source_address_prefix: '203.0.113.0/24',
      destination_port_ranges: ['21', '50000-50004'],
    });
    expect(out).toHaveResourceWithProperties(SubnetNetworkSecurityGroupAssociation, {
      subnet_id: '${azurerm_subnet.ServerSubnet.id}',
    });
  });

  test('draws no warning (the small-range warning is acknowledged with its reason)', () => {
    const stack = new FtpsAzureExampleStack(Testing.app(), 'example');
    Testing.synth(stack, true);
    expect(warningsOf(stack)).toEqual([]);
  });
});

describe('the Azure server example stack (bin/azure-server-example-stack.ts)', () => {
  test('a VM with vsftpd for the seed clients: inbound 21 and 50000-50019 only, no warning', () => {
    const stack = new FtpsAzureServerExampleStack(Testing.app(), 'server-example');
    const out = JSON.parse(Testing.synth(stack, true));
    const rules = Object.values(out.resource.azurerm_network_security_rule) as Array<Record<string, unknown>>;
    expect(rules.map((r) => [r.direction, r.source_address_prefix, r.destination_port_ranges])).toEqual([
      ['Inbound', '203.0.113.0/24', ['21', '50000-50019']],
    ]);
    expect(Object.keys(out.resource.azurerm_linux_virtual_machine)).toHaveLength(1);
    expect(Object.keys(out.variable).sort()).toEqual([
      'admin_ssh_public_key',
      'certificate_secret_id',
      'certificate_thumbprint',
      'key_vault_id',
      'users_secret_uri',
    ]);
    expect(out.output.ftps_address.value).toMatch(/^\$\{azurerm_public_ip\.\w+\.ip_address\}$/);
    expect(warningsOf(stack)).toEqual([]);
  });
});

describe('the Azure fleet example stack (bin/azure-fleet-example-stack.ts)', () => {
  test('2 VMs behind a Standard load balancer, 5 passive ports each, a service endpoint for the NFS share, no warning', () => {
    const stack = new FtpsAzureFleetExampleStack(Testing.app(), 'fleet-example');
    const out = JSON.parse(Testing.synth(stack, true));
    const rules = Object.values(out.resource.azurerm_network_security_rule) as Array<Record<string, unknown>>;
    expect(rules.map((r) => [r.direction, r.source_address_prefix, r.destination_port_ranges])).toEqual([
      ['Inbound', '203.0.113.0/24', ['21', '50000-50004']],
      ['Inbound', '203.0.113.0/24', ['21', '50005-50009']],
    ]);
    expect(Object.keys(out.resource.azurerm_linux_virtual_machine)).toHaveLength(2);
    expect(Object.keys(out.resource.azurerm_lb_nat_rule)).toHaveLength(10);
    expect(Object.values(out.resource.azurerm_subnet)).toEqual([
      expect.objectContaining({ service_endpoints: ['Microsoft.Storage'] }),
    ]);
    expect(out.output.ftps_address.value).toMatch(/^\$\{azurerm_public_ip\.\w+\.ip_address\}$/);
    expect(warningsOf(stack)).toEqual([]);
  });
});
