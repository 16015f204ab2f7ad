import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import { TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { FtpsFleet } from '../lib/azure';
import { SEED_CLIENTS } from './example';

/**
 * An FTPS fleet on Azure for the seed client network: 2 Ubuntu VMs running vsftpd behind a Standard public load
 * balancer, 5 passive ports each (50000-50004 on VM 0, 50005-50009 on VM 1), sharing an Azure Files NFS share.
 * The certificate (issued for the name clients use for the balancer's address) and the users come from Key Vault:
 *
 *   node dist/bin/azure-app.js && cd cdktf.out/stacks/ftps-azure-fleet-example && terraform init && \
 *   terraform apply -var key_vault_id=... -var certificate_secret_id=... -var certificate_thumbprint=... \
 *     -var users_secret_uri=https://<vault>.vault.azure.net/secrets/ftps-users -var admin_ssh_public_key="$(cat ~/.ssh/id_ed25519.pub)"
 */
export class FtpsAzureFleetExampleStack extends TerraformStack {
  public readonly fleet: FtpsFleet;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AzurermProvider(this, 'azurerm', { features: [{}] });
    const variable = (name: string, description: string) =>
      new TerraformVariable(this, name, { type: 'string', description }).stringValue;
    const location = 'westeurope';
    const group = new ResourceGroup(this, 'Group', { name: 'rg-ftps-fleet-example', location });
    const network = new VirtualNetwork(this, 'Network', {
      name: 'vnet-ftps-fleet-example',
      resourceGroupName: group.name,
      location,
      addressSpace: ['10.40.0.0/16'],
    });
    const subnet = new Subnet(this, 'BackendSubnet', {
      name: 'snet-ftps-backends',
      resourceGroupName: group.name,
      virtualNetworkName: network.name,
      addressPrefixes: ['10.40.1.0/24'],
      // The shared NFS share admits this subnet only, through its storage service endpoint.
      serviceEndpoints: ['Microsoft.Storage'],
    });
    const keyVaultId = variable('key_vault_id', 'Resource id of the Key Vault (RBAC, enabled for deployment)');
    this.fleet = new FtpsFleet(this, 'Ftps', {
      resourceGroupName: group.name,
      location,
      subnetId: subnet.id,
      name: 'ftps-fleet',
      backends: 2,
      passivePorts: { from: 50000, to: 50009 },
      // 2 at once per VM (vsftpd's cap on 5 ports), 4 for the fleet: more clients are refused and retry.
      concurrentClients: 4,
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
      value: this.fleet.publicIp.ipAddress,
      description: 'Connect with explicit FTPS to this address, port 21 (passive 50000-50009, advertised in PASV)',
    });
  }
}
