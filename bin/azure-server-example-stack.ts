import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import { TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { FtpsServer } from '../lib/azure';
import { SEED_CLIENTS } from './example';

/**
 * A deployable FTPS server on Azure: a resource group, a virtual network, and an Ubuntu VM running vsftpd for
 * the seed client network. The certificate and the users come from Key Vault, named in Terraform variables:
 *
 *   node dist/bin/azure-app.js && cd cdktf.out/stacks/ftps-azure-server-example && terraform init && \
 *   terraform apply -var key_vault_id=... -var certificate_secret_id=... -var certificate_thumbprint=... \
 *     -var users_secret_uri=https://<vault>.vault.azure.net/secrets/ftps-users -var admin_ssh_public_key="$(cat ~/.ssh/id_ed25519.pub)"
 */
export class FtpsAzureServerExampleStack extends TerraformStack {
  public readonly server: FtpsServer;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AzurermProvider(this, 'azurerm', { features: [{}] });
    const variable = (name: string, description: string) =>
      new TerraformVariable(this, name, { type: 'string', description }).stringValue;
    const location = 'westeurope';
    const group = new ResourceGroup(this, 'Group', { name: 'rg-ftps-server-example', location });
    const network = new VirtualNetwork(this, 'Network', {
      name: 'vnet-ftps-server-example',
      resourceGroupName: group.name,
      location,
      addressSpace: ['10.30.0.0/16'],
    });
    const subnet = new Subnet(this, 'ServerSubnet', {
      name: 'snet-ftps-server',
      resourceGroupName: group.name,
      virtualNetworkName: network.name,
      addressPrefixes: ['10.30.1.0/24'],
    });
    const keyVaultId = variable('key_vault_id', 'Resource id of the Key Vault (RBAC, enabled for deployment)');
    this.server = new FtpsServer(this, 'Ftps', {
      resourceGroupName: group.name,
      location,
      subnetId: subnet.id,
      name: 'ftps-example',
      // 20 passive ports: 20 transfers being opened at once.
      passivePorts: { from: 50000, to: 50019 },
      clients: [...SEED_CLIENTS],
      adminSshPublicKey: variable('admin_ssh_public_key', 'OpenSSH public key (SSH itself stays closed)'),
      keyVaultCertificate: {
        keyVaultId,
        secretId: variable('certificate_secret_id', 'Secret id of the Key Vault certificate (versioned URL)'),
        thumbprint: variable('certificate_thumbprint', 'SHA-1 thumbprint of that certificate'),
      },
      usersSecret: {
        keyVaultId,
        secretUri: variable('users_secret_uri', 'Versionless id of the secret holding {"user": "password", ...}'),
      },
    });
    new TerraformOutput(this, 'ftps_address', {
      value: this.server.publicIp.ipAddress,
      description: 'Connect with explicit FTPS to this address, port 21 (passive 50000-50019)',
    });
  }
}
