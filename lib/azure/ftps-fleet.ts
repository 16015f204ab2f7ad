import { Lb } from '@cdktf/provider-azurerm/lib/lb';
import { LbBackendAddressPool } from '@cdktf/provider-azurerm/lib/lb-backend-address-pool';
import { LbNatRule } from '@cdktf/provider-azurerm/lib/lb-nat-rule';
import { LbOutboundRule } from '@cdktf/provider-azurerm/lib/lb-outbound-rule';
import { LbProbe } from '@cdktf/provider-azurerm/lib/lb-probe';
import { LbRule } from '@cdktf/provider-azurerm/lib/lb-rule';
import { LinuxVirtualMachine } from '@cdktf/provider-azurerm/lib/linux-virtual-machine';
import { NetworkInterface } from '@cdktf/provider-azurerm/lib/network-interface';
import { NetworkInterfaceBackendAddressPoolAssociation } from '@cdktf/provider-azurerm/lib/network-interface-backend-address-pool-association';
import { NetworkInterfaceNatRuleAssociation } from '@cdktf/provider-azurerm/lib/network-interface-nat-rule-association';
import { PublicIp } from '@cdktf/provider-azurerm/lib/public-ip';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { StorageShare } from '@cdktf/provider-azurerm/lib/storage-share';
import { dependable, Token } from 'cdktf';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { Diagnostic, FtpsFleetPlan, PortRange, planFleet } from '../core';
import { childPath, describeValue, Diagnose, PropChecker, sharedMountCommands } from '../core/internal';
import { FtpsEndpoint } from './ftps-endpoint';
import { FtpsServerProps, addServerVm, checkServerProps, resourceName, warnSelfSigned } from './ftps-server';
import { frameworkProblems } from './private/ftps-nsg-construct';

const USERS_ROOT = '/srv/ftps';
/** Minutes an idle flow is kept by the balancer (Azure allows 4-100): a control connection idles during a transfer. */
const IDLE_MINUTES = 30;

/** Properties of an Azure {@link FtpsFleet}: a server's props, and how many servers share the load. */
export interface FtpsFleetProps extends FtpsServerProps {
  /** How many VMs share the load; each serves its own passive sub-range. */
  readonly backends: number;
  /**
   * Passive ports per backend, taken from the start of `passivePorts`.
   * @default `passivePorts` split evenly between the backends
   */
  readonly passivePortsPerBackend?: number;
  /**
   * The subnet of the backends' interfaces: it needs the `Microsoft.Storage` service endpoint (the shared NFS
   * share admits only this subnet).
   */
  readonly subnetId: string;
  /**
   * Name of the storage account holding the shared NFS share: 3-24 lower-case letters and digits, unique in Azure.
   * @default from `name` and a hash of the construct path
   */
  readonly storageAccountName?: string;
  /** Size of the shared NFS share in GiB (Premium file shares: at least 100). @default 100 */
  readonly shareQuotaGib?: number;
}

/** One backend of a fleet. */
export interface FtpsFleetBackend {
  readonly index: number;
  readonly passivePorts: PortRange;
  /** Its NSG, on its interface: the clients on the control port and its own sub-range only. */
  readonly endpoint: FtpsEndpoint;
  readonly networkInterface: NetworkInterface;
  readonly virtualMachine: LinuxVirtualMachine;
  /** The configuration written at boot: its own sub-range, the load balancer's address in PASV replies. */
  readonly configuration: string;
}

/**
 * FTPS behind an Azure Standard public load balancer: n Linux VMs sharing an Azure Files NFS share. The control
 * port is one load-balancing rule over every VM (TCP health probe on it); each passive port is an inbound NAT rule
 * to the one VM that owns it, so a session's data connections always reach the VM of its control connection.
 * TLS passes through, the client's address reaches the VMs (their NSGs filter real clients), and every VM
 * advertises the balancer's static public IP in PASV replies. The VMs reach the Internet (packages, Key Vault)
 * through an outbound rule on the same address.
 *
 * The NFS share: Azure Files NFS 4.1 does not take "secure transfer required" (Azure's rule for NFS shares), so
 * the storage account admits only the backends' subnet (network rules, default deny): NFS traffic stays inside
 * the virtual network.
 */
export class FtpsFleet extends Construct {
  public readonly plan: FtpsFleetPlan;
  public readonly publicIp: PublicIp;
  public readonly loadBalancer: Lb;
  public readonly backends: readonly FtpsFleetBackend[];
  public readonly storageAccount: StorageAccount;
  public readonly share: StorageShare;

  constructor(scope: Construct, id: string, props: FtpsFleetProps) {
    const path = childPath(scope, id);
    const name = resourceName(props, id);
    const account = storageAccountName(props, name, path);
    const { certificate } = checkServerProps(props, path, name, [
      ...frameworkProblems(scope),
      ...fleetProblems(props, account, name),
    ]);
    const plan = planFleet(
      props,
      { backends: props.backends, passivePortsPerBackend: props.passivePortsPerBackend },
      { balancer: 'azure-lb', context: path },
    );
    super(scope, id);
    this.plan = plan;
    const base = { resourceGroupName: props.resourceGroupName, location: props.location };
    const control = plan.plan.options.controlPort;

    this.publicIp = new PublicIp(this, 'PublicIp', {
      ...base,
      name: `${name}-lb-pip`,
      allocationMethod: 'Static',
      sku: 'Standard',
    });
    this.loadBalancer = new Lb(this, 'Lb', {
      ...base,
      name: `${name}-lb`,
      sku: 'Standard',
      frontendIpConfiguration: [{ name: 'frontend', publicIpAddressId: this.publicIp.id }],
    });
    const pool = new LbBackendAddressPool(this, 'Pool', {
      name: `${name}-backends`,
      loadbalancerId: this.loadBalancer.id,
    });
    const probe = new LbProbe(this, 'Probe', {
      name: `${name}-control-${control}`,
      loadbalancerId: this.loadBalancer.id,
      protocol: 'Tcp',
      port: control,
      intervalInSeconds: 5,
      numberOfProbes: 2,
    });
    new LbRule(this, 'Control', {
      name: `${name}-control-${control}`,
      loadbalancerId: this.loadBalancer.id,
      protocol: 'Tcp',
      frontendPort: control,
      backendPort: control,
      frontendIpConfigurationName: 'frontend',
      backendAddressPoolIds: [pool.id],
      probeId: probe.id,
      floatingIpEnabled: false,
      tcpResetEnabled: true,
      idleTimeoutInMinutes: IDLE_MINUTES,
      // Outbound traffic uses the outbound rule below, not this rule's address translation.
      disableOutboundSnat: true,
    });
    new LbOutboundRule(this, 'Outbound', {
      name: `${name}-outbound`,
      loadbalancerId: this.loadBalancer.id,
      protocol: 'All',
      backendAddressPoolId: pool.id,
      frontendIpConfiguration: [{ name: 'frontend' }],
    });

    this.storageAccount = new StorageAccount(this, 'Files', {
      ...base,
      name: account,
      accountKind: 'FileStorage',
      accountTier: 'Premium',
      accountReplicationType: 'ZRS',
      // Azure refuses NFS shares on accounts requiring secure transfer; the network rules keep NFS in the subnet.
      httpsTrafficOnlyEnabled: false,
      minTlsVersion: 'TLS1_2',
      networkRules: { defaultAction: 'Deny', virtualNetworkSubnetIds: [props.subnetId], bypass: ['None'] },
    });
    this.share = new StorageShare(this, 'Share', {
      name: 'ftps',
      storageAccountId: this.storageAccount.id,
      enabledProtocol: 'NFS',
      quota: props.shareQuotaGib ?? 100,
    });
    // The share at the users root (NFS 4.1, inside the subnet), before anything else.
    const mount = sharedMountCommands({
      install: 'apt-get install -y nfs-common',
      source: `${account}.file.core.windows.net:/${account}/ftps`,
      type: 'nfs',
      options: 'vers=4,minorversion=1,sec=sys,_netdev',
      mountPoint: USERS_ROOT,
    });

    const owners = new Map<number, NetworkInterface>();
    this.backends = plan.backends.map((b) => {
      const backendScope = new Construct(this, `Backend${b.index}`);
      const backendName = `${name}-${b.index}`;
      const nic = new NetworkInterface(backendScope, 'Nic', {
        ...base,
        name: `${backendName}-nic`,
        ipConfiguration: [{ name: 'primary', subnetId: props.subnetId, privateIpAddressAllocation: 'Dynamic' }],
      });
      owners.set(b.index, nic);
      new NetworkInterfaceBackendAddressPoolAssociation(backendScope, 'Pool', {
        networkInterfaceId: nic.id,
        ipConfigurationName: 'primary',
        backendAddressPoolId: pool.id,
      });
      const endpoint = new FtpsEndpoint(backendScope, 'Endpoint', {
        ...props,
        ...b.options,
        newNetworkSecurityGroupName: `${backendName}-nsg`,
        networkSecurityGroupName: undefined,
        subnetId: undefined,
        networkInterfaceId: nic.id,
      });
      const built = addServerVm(backendScope, props, {
        name: backendName,
        networkInterfaceId: nic.id,
        endpoint,
        passiveAddress: this.publicIp.ipAddress,
        certificate,
        prepare: mount,
        stableUids: true,
      });
      // The mount at boot needs the share (and its network rules) first.
      built.virtualMachine.dependsOn = [...(built.virtualMachine.dependsOn ?? []), dependable(this.share)];
      return {
        index: b.index,
        passivePorts: b.passivePorts,
        endpoint,
        networkInterface: nic,
        virtualMachine: built.virtualMachine,
        configuration: built.configuration,
      };
    });

    // One inbound NAT rule per passive port, to the one interface that owns it: the same port on both sides, so
    // the port in the PASV reply is the port the client reaches.
    for (const f of plan.forwarding) {
      if (f.to === 'all') continue;
      const rule = new LbNatRule(this, `Passive${f.port}`, {
        name: `${name}-passive-${f.port}`,
        resourceGroupName: props.resourceGroupName,
        loadbalancerId: this.loadBalancer.id,
        protocol: 'Tcp',
        frontendPort: f.port,
        backendPort: f.port,
        frontendIpConfigurationName: 'frontend',
        tcpResetEnabled: true,
        idleTimeoutInMinutes: IDLE_MINUTES,
      });
      new NetworkInterfaceNatRuleAssociation(this, `Passive${f.port}Owner`, {
        networkInterfaceId: owners.get(f.to)!.id,
        ipConfigurationName: 'primary',
        natRuleId: rule.id,
      });
    }

    if (certificate === 'selfSigned')
      warnSelfSigned(
        this,
        props,
        'each VM makes its own certificate',
        'give keyVaultCertificate (one certificate for the load balancer’s name, deployed to every VM).',
      );
  }
}

/** The storage account's name: given, or from the fleet's name and a hash of its path (stable, likely unique). */
function storageAccountName(props: FtpsFleetProps, name: string, path: string): string {
  if (typeof props === 'object' && props !== null && props.storageAccountName !== undefined)
    return props.storageAccountName;
  const stem = name.replace(/[^a-z0-9]/g, '').slice(0, 14) || 'ftps';
  return `${stem}${createHash('sha256').update(path).digest('hex').slice(0, 10)}`;
}

/** Fleet-only props: a prop the fleet cannot honour, or a storage name Azure would refuse. */
function fleetProblems(props: FtpsFleetProps, account: string, name: string): Diagnostic[] {
  if (typeof props !== 'object' || props === null) return [];
  const c = new PropChecker((v) => Token.isUnresolved(v));
  // The last VM is `<name>-<n-1>-vm`; Azure allows 64 characters in a Linux VM's name.
  const last = typeof props.backends === 'number' ? `${name}-${Math.max(0, props.backends - 1)}-vm` : '';
  if (last.length > 64) {
    c.add(
      Diagnose.invalidProp(
        `name (${describeValue(name)}): the last VM would be named ${describeValue(last)}, ${last.length} characters; Azure allows 64.`,
        `give a name of at most ${64 - (last.length - name.length)} characters.`,
      ),
    );
  }
  if (props.sshSources !== undefined) {
    c.add(
      Diagnose.invalidFleet(
        'sshSources: a fleet’s VMs have no public address and the load balancer forwards FTPS only.',
        'leave sshSources out; administer the VMs with Run Command or Azure Bastion.',
      ),
    );
  }
  if (props.networkSecurityGroupName !== undefined) {
    c.add(
      Diagnose.invalidFleet(
        'networkSecurityGroupName: a fleet gives each VM its own NSG, which admits only that VM’s passive ports.',
        'leave networkSecurityGroupName out.',
      ),
    );
  }
  if (typeof account !== 'string' || Token.isUnresolved(account) || !/^[a-z0-9]{3,24}$/.test(account)) {
    c.add(
      Diagnose.invalidProp(
        `storageAccountName (${describeValue(account)}) must be 3-24 lower-case letters and digits, known at synth time (it is part of the boot script's mount line).`,
        'give a name such as "ftpsfiles01", unique in Azure.',
      ),
    );
  }
  c.integer(
    'shareQuotaGib',
    props.shareQuotaGib,
    { min: 100, max: 102400 },
    { diagnose: Diagnose.invalidProp, fix: 'give the share size in GiB, 100 (the Premium minimum) to 102400.' },
  );
  return c.found;
}
