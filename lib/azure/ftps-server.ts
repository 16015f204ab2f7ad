import { LinuxVirtualMachine } from '@cdktf/provider-azurerm/lib/linux-virtual-machine';
import { NetworkInterface } from '@cdktf/provider-azurerm/lib/network-interface';
import { NetworkSecurityRule } from '@cdktf/provider-azurerm/lib/network-security-rule';
import { PublicIp } from '@cdktf/provider-azurerm/lib/public-ip';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { Annotations, Fn, Token } from 'cdktf';
import { Construct } from 'constructs';
import {
  BootCertificate,
  DiagnosticIds,
  FtpsValidationError,
  parseClientCidr,
  renderVsftpdBootScript,
  renderVsftpdConf,
} from '../core';
import { FtpsEndpoint, FtpsEndpointProps } from './ftps-endpoint';
import { base64WithTokens } from './private/custom-data';

const CONF_PATH = '/etc/vsftpd.conf';
const USERS_ROOT = '/srv/ftps';
const SELF_SIGNED_CERT = '/etc/ssl/certs/ftps-constructs.pem';
const SELF_SIGNED_KEY = '/etc/ssl/private/ftps-constructs.key';

/** A certificate in Key Vault, deployed to the VM by the Azure agent (the vault needs `enabled_for_deployment`). */
export interface KeyVaultCertificate {
  /** Resource id of the Key Vault. */
  readonly keyVaultId: string;
  /** The certificate's secret id (`azurerm_key_vault_certificate.secret_id`, a versioned URL). */
  readonly secretId: string;
  /** The certificate's SHA-1 thumbprint (`azurerm_key_vault_certificate.thumbprint`): the agent names the files by it. */
  readonly thumbprint: string;
}

/** A Key Vault secret holding the FTP users as JSON `{"user": "password", ...}`. */
export interface KeyVaultUsersSecret {
  /** Resource id of the Key Vault (an RBAC vault): the VM's identity gets "Key Vault Secrets User" on it. */
  readonly keyVaultId: string;
  /** The secret's versionless id, `https://<vault>.vault.azure.net/secrets/<name>`. */
  readonly secretUri: string;
}

/** Properties of an Azure {@link FtpsServer}. */
export interface FtpsServerProps extends Omit<FtpsEndpointProps, 'subnetId' | 'networkInterfaceId'> {
  readonly location: string;
  /** The subnet of the VM's network interface (the NSG is associated with the interface). */
  readonly subnetId: string;
  /** Name prefix of the resources. @default the construct id, lower case */
  readonly name?: string;
  /** @default "Standard_B1s" */
  readonly vmSize?: string;
  /** @default "ftpsadmin" */
  readonly adminUsername?: string;
  /** OpenSSH public key of the admin user (Azure requires one; SSH stays closed unless `sshSources`). */
  readonly adminSshPublicKey: string;
  /**
   * CIDRs allowed to reach SSH (TCP 22).
   * @default none: SSH is closed (use the serial console or Run Command)
   */
  readonly sshSources?: string[];
  /** Priority of the SSH rule. @default 4000 */
  readonly sshPriority?: number;
  /** The certificate, from Key Vault. @default none: give this, or opt in to `selfSignedCertificate` */
  readonly keyVaultCertificate?: KeyVaultCertificate;
  /** A self-signed certificate made at boot: for tests only (clients must skip verification). @default false */
  readonly selfSignedCertificate?: boolean;
  /** The FTP users, read at boot through the VM's managed identity. @default none: create users yourself */
  readonly usersSecret?: KeyVaultUsersSecret;
  /** Require TLS session reuse on data connections (vsftpd `require_ssl_reuse`). @default true */
  readonly requireSessionReuse?: boolean;
  /** @default Ubuntu 24.04 LTS (Canonical, latest) */
  readonly sourceImage?: { publisher: string; offer: string; sku: string; version: string };
}

/**
 * A working FTPS server on Azure: an Ubuntu VM with vsftpd configured at boot (cloud-init user script) from the
 * same options as its NSG ({@link FtpsEndpoint}, associated with the VM's interface), a static public IP
 * advertised in PASV replies, the certificate from Key Vault and the users from a Key Vault secret.
 */
export class FtpsServer extends Construct {
  public readonly endpoint: FtpsEndpoint;
  public readonly publicIp: PublicIp;
  public readonly networkInterface: NetworkInterface;
  public readonly virtualMachine: LinuxVirtualMachine;
  /** The vsftpd.conf written at boot. */
  public readonly vsftpdConf: string;

  constructor(scope: Construct, id: string, props: FtpsServerProps) {
    super(scope, id);
    const path = this.node.path;
    const certificate = certificateSource(path, props);
    const sshSources = validateSshSources(path, props.sshSources ?? []);
    const name = props.name ?? id.toLowerCase().replace(/[^a-z0-9-]/g, '-');
    const base = { resourceGroupName: props.resourceGroupName, location: props.location };

    this.publicIp = new PublicIp(this, 'PublicIp', {
      ...base,
      name: `${name}-pip`,
      allocationMethod: 'Static',
      sku: 'Standard',
    });
    this.networkInterface = new NetworkInterface(this, 'Nic', {
      ...base,
      name: `${name}-nic`,
      ipConfiguration: [
        {
          name: 'primary',
          subnetId: props.subnetId,
          privateIpAddressAllocation: 'Dynamic',
          publicIpAddressId: this.publicIp.id,
        },
      ],
    });
    this.endpoint = new FtpsEndpoint(this, 'Endpoint', {
      ...props,
      newNetworkSecurityGroupName: props.newNetworkSecurityGroupName ?? `${name}-nsg`,
      subnetId: undefined,
      networkInterfaceId: this.networkInterface.id,
    });
    if (sshSources.length > 0) {
      new NetworkSecurityRule(this, 'Ssh', {
        name: `${props.ruleNamePrefix ?? 'ftps'}-ssh-in`,
        resourceGroupName: props.resourceGroupName,
        networkSecurityGroupName: this.endpoint.networkSecurityGroupName,
        priority: props.sshPriority ?? 4000,
        direction: 'Inbound',
        access: 'Allow',
        protocol: 'Tcp',
        sourcePortRange: '*',
        destinationPortRange: '22',
        sourceAddressPrefixes: sshSources,
        destinationAddressPrefix: '*',
        description: 'SSH administration (asked for with sshSources)',
      });
    }

    const files =
      certificate === 'selfSigned'
        ? { certificateFile: SELF_SIGNED_CERT, privateKeyFile: SELF_SIGNED_KEY }
        : {
            // The Azure agent writes Key Vault certificates as /var/lib/waagent/<THUMBPRINT>.crt and .prv.
            certificateFile: `/var/lib/waagent/${upper(certificate.thumbprint)}.crt`,
            privateKeyFile: `/var/lib/waagent/${upper(certificate.thumbprint)}.prv`,
          };
    this.vsftpdConf = renderVsftpdConf(
      props,
      { ...files, passiveAddress: this.publicIp.ipAddress, requireSessionReuse: props.requireSessionReuse },
      { isUnresolved: (v) => Token.isUnresolved(v) },
    );
    const bootCertificate: BootCertificate =
      certificate === 'selfSigned'
        ? { kind: 'selfSigned', commonName: this.publicIp.ipAddress }
        : // Deployed by the agent before custom data runs; wait for it (bounded) rather than race it.
          {
            kind: 'fetch',
            commands: [
              `for i in $(seq 1 60); do [ -s ${files.privateKeyFile} ] && break; sleep 5; done`,
              `test -s ${files.certificateFile} && test -s ${files.privateKeyFile}`,
            ],
          };
    const script = renderVsftpdBootScript({
      conf: this.vsftpdConf,
      packageManager: 'apt',
      confPath: CONF_PATH,
      ...files,
      certificate: bootCertificate,
      usersJsonCommand: props.usersSecret ? usersCommand(props.usersSecret.secretUri) : undefined,
      usersRoot: USERS_ROOT,
    });

    this.virtualMachine = new LinuxVirtualMachine(this, 'Vm', {
      ...base,
      name: `${name}-vm`,
      size: props.vmSize ?? 'Standard_B1s',
      adminUsername: props.adminUsername ?? 'ftpsadmin',
      adminSshKey: [{ username: props.adminUsername ?? 'ftpsadmin', publicKey: props.adminSshPublicKey }],
      disablePasswordAuthentication: true,
      networkInterfaceIds: [this.networkInterface.id],
      osDisk: { caching: 'ReadWrite', storageAccountType: 'StandardSSD_LRS' },
      sourceImageReference: props.sourceImage ?? {
        publisher: 'Canonical',
        offer: 'ubuntu-24_04-lts',
        sku: 'server',
        version: 'latest',
      },
      identity: props.usersSecret ? { type: 'SystemAssigned' } : undefined,
      secret:
        certificate === 'selfSigned'
          ? undefined
          : [{ keyVaultId: certificate.keyVaultId, certificate: [{ url: certificate.secretId }] }],
      customData: base64WithTokens(['#!/bin/bash', ...script, ''].join('\n')),
    });
    if (props.usersSecret) {
      new RoleAssignment(this, 'UsersSecretReader', {
        scope: props.usersSecret.keyVaultId,
        roleDefinitionName: 'Key Vault Secrets User',
        principalId: this.virtualMachine.identity.principalId,
      });
    }
    if (
      certificate === 'selfSigned' &&
      !(props.acknowledgeWarnings ?? []).includes(DiagnosticIds.SELF_SIGNED_CERTIFICATE)
    ) {
      Annotations.of(this).addWarning(
        `[${DiagnosticIds.SELF_SIGNED_CERTIFICATE}] selfSignedCertificate: the server makes its own certificate at boot; clients must skip verification, so anyone in the path could intercept the session. For tests only. Fix: give keyVaultCertificate.`,
      );
    }
  }
}

/** Reads a Key Vault secret with the VM's managed identity (IMDS token, Key Vault REST); prints its value. */
function usersCommand(secretUri: string): string {
  return [
    `token=$(curl -sSf --retry 10 --retry-delay 5 -H Metadata:true 'http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')`,
    // The role assignment may take a few minutes to apply: retry 403s.
    `&& for i in $(seq 1 30); do curl -sSf -H "Authorization: Bearer $token" '${secretUri}?api-version=7.4' && break; sleep 10; done | python3 -c 'import json,sys; print(json.load(sys.stdin)["value"])'`,
  ].join(' ');
}

function certificateSource(
  path: string,
  props: Pick<FtpsServerProps, 'keyVaultCertificate' | 'selfSignedCertificate'>,
): KeyVaultCertificate | 'selfSigned' {
  const fail = (message: string): never => {
    throw new FtpsValidationError([{ id: DiagnosticIds.CERTIFICATE_SOURCE, level: 'error', message }], path);
  };
  if (props.keyVaultCertificate && props.selfSignedCertificate === true)
    return fail(
      'keyVaultCertificate and selfSignedCertificate: true were both given. Fix: remove selfSignedCertificate to use Key Vault.',
    );
  if (props.keyVaultCertificate) {
    const t = props.keyVaultCertificate.thumbprint;
    if (!Token.isUnresolved(t) && !/^[0-9a-fA-F]{40}$/.test(t))
      fail(
        `keyVaultCertificate.thumbprint (${JSON.stringify(t)}) must be a SHA-1 thumbprint (40 hex digits). Fix: pass azurerm_key_vault_certificate.thumbprint.`,
      );
    return props.keyVaultCertificate;
  }
  if (props.selfSignedCertificate !== true)
    fail(
      'no certificate: FTPS needs one. Fix: give keyVaultCertificate, or, for a test server, selfSignedCertificate: true.',
    );
  return 'selfSigned';
}

function validateSshSources(path: string, sources: readonly string[]): string[] {
  const errors = sources.flatMap((s) => {
    if (Token.isUnresolved(s)) return [];
    const parsed = parseClientCidr(s, { label: 'in sshSources', allowBareAddress: true });
    if (!parsed.ok) return [parsed.diagnostic];
    if (parsed.value.prefixLength === 0)
      return [
        {
          id: DiagnosticIds.WORLD_OPEN,
          level: 'error' as const,
          message: `sshSources (${s}) opens SSH to the whole Internet. Fix: name your administration network.`,
        },
      ];
    return [];
  });
  if (errors.length > 0) throw new FtpsValidationError(errors, path);
  return [...sources];
}

const upper = (value: string): string => (Token.isUnresolved(value) ? Fn.upper(value) : value.toUpperCase());
