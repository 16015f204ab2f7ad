import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { FtpsEndpoint } from '../lib/azure';
import { DiagnosticIds } from '../lib/core';
import { SEED_CLIENTS, SEED_OPTIONS } from './example';

/**
 * The seed case on Azure: a resource group, a virtual network with a subnet for the FTPS server, and the
 * server's NSG (explicit FTPS, passive range 50000-50004, one client network) associated with the subnet.
 */
export class FtpsAzureExampleStack extends TerraformStack {
  public readonly endpoint: FtpsEndpoint;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AzurermProvider(this, 'azurerm', { features: [{}] });
    const location = 'westeurope';
    const group = new ResourceGroup(this, 'Group', { name: 'rg-ftps-example', location });
    const network = new VirtualNetwork(this, 'Network', {
      name: 'vnet-ftps-example',
      resourceGroupName: group.name,
      location,
      addressSpace: ['10.20.0.0/16'],
    });
    const subnet = new Subnet(this, 'ServerSubnet', {
      name: 'snet-ftps',
      resourceGroupName: group.name,
      virtualNetworkName: network.name,
      addressPrefixes: ['10.20.1.0/24'],
    });
    this.endpoint = new FtpsEndpoint(this, 'Ftps', {
      ...SEED_OPTIONS,
      resourceGroupName: group.name,
      location,
      clients: [...SEED_CLIENTS],
      subnetId: subnet.id,
      // The question this project answers has 5 passive ports: fine for a few concurrent transfers.
      acknowledgeWarnings: [DiagnosticIds.SMALL_PASSIVE_RANGE],
    });
    new TerraformOutput(this, 'nsg_id', { value: this.endpoint.networkSecurityGroupId });
  }
}
