import { LinuxVirtualMachine } from '@cdktf/provider-azurerm/lib/linux-virtual-machine';
import { NetworkInterface } from '@cdktf/provider-azurerm/lib/network-interface';
import { NetworkSecurityRule } from '@cdktf/provider-azurerm/lib/network-security-rule';
import { PublicIp } from '@cdktf/provider-azurerm/lib/public-ip';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { Annotations, Fn, Token } from 'cdktf';
import { Construct } from 'constructs';
import {
  Diagnostic,
  DiagnosticIds,
  formatDiagnostic,
  FtpDaemon,
  parseClientCidr,
  renderDaemonConfiguration,
  statefulServerRules,
} from '../core';
import {
  BootCertificate,
  childPath,
  daemonProblems,
  describeValue,
  Diagnose,
  PropChecker,
  renderVsftpdBootScript,
  ShellQuoting,
  shellWord,
} from '../core/internal';
import { FtpsEndpoint, FtpsEndpointProps, serverSide } from './ftps-endpoint';
import { base64OfValue, base64WithTokens } from './private/custom-data';
import { frameworkProblems } from './private/ftps-nsg-construct';
import { MAX_PRIORITY, MIN_PRIORITY } from './nsg-rule-set-props';
import { planRuleSet } from './private/nsg-rule-set';

/** Values in the boot script are quoted as one shell word; tokens by their value, base64-encoded by Terraform. */
const QUOTING: ShellQuoting = { isUnresolved: (v) => Token.isUnresolved(v), base64: base64OfValue };
/** A token's first line, at apply time: it cannot add a line to vsftpd.conf. */
const singleLine = (v: string) => Fn.element(Fn.split('\n', v), 0) as string;

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
  /**
   * The FTP daemon, installed with apt and configured from the same options as the NSG (which does not change
   * with it). Pure-FTPd has no implicit TLS.
   * @default vsftpd
   */
  readonly daemon?: FtpDaemon;
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
  /** The FTP daemon the VM runs. */
  public readonly daemon: FtpDaemon;
  /** The configuration written at boot: vsftpd.conf, proftpd.conf, or Pure-FTPd's systemd unit. */
  public readonly configuration: string;
  /** The configuration written at boot (the name from when vsftpd was the only daemon). @deprecated use configuration */
  public readonly vsftpdConf: string;

  constructor(scope: Construct, id: string, props: FtpsServerProps) {
    // Every prop, the endpoint's included, is checked before anything is added to the tree.
    const path = childPath(scope, id);
    const name = resourceName(props, id);
    const { certificate, sshSources } = checkServerProps(props, path, name, frameworkProblems(scope));
    super(scope, id);
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

    const built = addServerVm(this, props, {
      name,
      networkInterfaceId: this.networkInterface.id,
      endpoint: this.endpoint,
      passiveAddress: this.publicIp.ipAddress,
      certificate,
    });
    this.daemon = built.daemon;
    this.configuration = built.configuration;
    this.vsftpdConf = this.configuration;
    this.virtualMachine = built.virtualMachine;
    if (certificate === 'selfSigned')
      warnSelfSigned(this, props, 'the server makes its own certificate', 'give keyVaultCertificate.');
  }
}

/** How a VM is placed and what it advertises: one server's own public IP, or a fleet's load balancer. */
export interface ServerVmOptions {
  /** Resource name prefix: the VM is `<name>-vm`. */
  readonly name: string;
  readonly networkInterfaceId: string;
  /** The VM's NSG (its options are what the daemon is configured from). */
  readonly endpoint: FtpsEndpoint;
  /** The address in PASV replies. */
  readonly passiveAddress: string;
  readonly certificate: KeyVaultCertificate | 'selfSigned';
  /** Boot commands after the packages are installed, before the users root is made (a shared mount). */
  readonly prepare?: readonly string[];
  /** User ids from the user names (servers sharing one file system). @default false */
  readonly stableUids?: boolean;
}

/**
 * Adds the VM, its boot script and its Key Vault role to `scope`; props are already checked. Internal: shared by
 * FtpsServer and FtpsFleet; lib/azure/index.ts does not export it.
 */
export function addServerVm(
  scope: Construct,
  props: FtpsServerProps,
  o: ServerVmOptions,
): { virtualMachine: LinuxVirtualMachine; configuration: string; daemon: FtpDaemon } {
  const certificate = o.certificate;
  const base = { resourceGroupName: props.resourceGroupName, location: props.location };
  const files =
    certificate === 'selfSigned'
      ? { certificateFile: SELF_SIGNED_CERT, privateKeyFile: SELF_SIGNED_KEY }
      : {
          // The Azure agent writes Key Vault certificates as /var/lib/waagent/<THUMBPRINT>.crt and .prv.
          certificateFile: `/var/lib/waagent/${upper(certificate.thumbprint)}.crt`,
          privateKeyFile: `/var/lib/waagent/${upper(certificate.thumbprint)}.prv`,
        };
  const daemon = props.daemon ?? 'vsftpd';
  const configuration = renderDaemonConfiguration(
    daemon,
    o.endpoint.options,
    { ...files, passiveAddress: o.passiveAddress, requireSessionReuse: props.requireSessionReuse },
    { isUnresolved: (v) => Token.isUnresolved(v), singleLine },
  );
  const bootCertificate: BootCertificate =
    certificate === 'selfSigned'
      ? { kind: 'selfSigned', commonName: o.passiveAddress }
      : // Deployed by the agent before custom data runs; wait for it (bounded) rather than race it.
        {
          kind: 'fetch',
          commands: [
            `for i in $(seq 1 60); do [ -s ${shellWord(files.privateKeyFile, QUOTING)} ] && break; sleep 5; done`,
            `test -s ${shellWord(files.certificateFile, QUOTING)} && test -s ${shellWord(files.privateKeyFile, QUOTING)}`,
          ],
        };
  const script = renderVsftpdBootScript({
    daemon,
    conf: configuration,
    packageManager: 'apt',
    confPath: CONF_PATH,
    ...files,
    certificate: bootCertificate,
    usersJsonCommand: props.usersSecret ? usersCommand(props.usersSecret.secretUri) : undefined,
    usersRoot: USERS_ROOT,
    prepare: o.prepare,
    stableUids: o.stableUids,
    quoting: QUOTING,
  });

  const virtualMachine = new LinuxVirtualMachine(scope, 'Vm', {
    ...base,
    name: `${o.name}-vm`,
    size: props.vmSize ?? 'Standard_B1s',
    adminUsername: props.adminUsername ?? 'ftpsadmin',
    adminSshKey: [{ username: props.adminUsername ?? 'ftpsadmin', publicKey: props.adminSshPublicKey }],
    disablePasswordAuthentication: true,
    networkInterfaceIds: [o.networkInterfaceId],
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
    new RoleAssignment(scope, 'UsersSecretReader', {
      scope: props.usersSecret.keyVaultId,
      roleDefinitionName: 'Key Vault Secrets User',
      principalId: virtualMachine.identity.principalId,
    });
  }
  return { virtualMachine, configuration, daemon };
}

/** The self-signed certificate warning, unless acknowledged (`acknowledgeWarnings`). Internal: the fleet uses it too. */
export function warnSelfSigned(
  scope: Construct,
  props: { readonly acknowledgeWarnings?: readonly string[] },
  who: string,
  fix: string,
): void {
  if ((props.acknowledgeWarnings ?? []).includes(DiagnosticIds.SELF_SIGNED_CERTIFICATE)) return;
  Annotations.of(scope).addWarning(
    formatDiagnostic(
      Diagnose.selfSignedCertificate(
        `selfSignedCertificate: ${who} at boot; clients must skip verification, so anyone in the path could intercept the session. For tests only.`,
        fix,
      ),
    ),
  );
}

/** The resources' name prefix: `name`, or the construct id in lower case (checked by {@link checkServerProps}). */
export function resourceName(props: { readonly name?: unknown } | undefined, id: string): string {
  return typeof props?.name === 'string'
    ? props.name
    : String(id)
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, '-');
}

/** Reads a Key Vault secret with the VM's managed identity (IMDS token, Key Vault REST); prints its value. */
function usersCommand(secretUri: string): string {
  // Reads the secret into memory (never a file); 403 is retried while the role assignment applies (up to 5
  // minutes), any other failure stops the boot at once with a line naming it.
  return [
    `{ token=$(curl -sSf --retry 10 --retry-delay 5 -H Metadata:true 'http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])') || { echo "ftps-constructs: no managed identity token from the instance metadata service; stopping before the FTP daemon starts" >&2; exit 1; };`,
    `nl=$'\\n'; for i in $(seq 1 30); do`,
    `resp=$(curl -sS -w '\\n%{http_code}' -H "Authorization: Bearer $token" ${shellWord(`${secretUri}?api-version=7.4`, QUOTING)}) || { echo "ftps-constructs: cannot reach Key Vault for the users secret; stopping before the FTP daemon starts" >&2; exit 1; };`,
    `code=\${resp##*$nl};`,
    `if [ "$code" = 200 ]; then printf '%s' "\${resp%$nl*}"; exit 0; fi;`,
    `[ "$code" = 403 ] || { echo "ftps-constructs: Key Vault answered HTTP $code for the users secret; stopping before the FTP daemon starts" >&2; exit 1; };`,
    `sleep 10; done; echo "ftps-constructs: Key Vault still refuses the users secret (403) after 5 minutes; stopping before the FTP daemon starts" >&2; exit 1; } | python3 -c 'import json,sys; print(json.load(sys.stdin)["value"])'`,
  ].join(' ');
}

/** A Key Vault secret URI as `usersSecret.secretUri` takes it (versionless). */
const SECRET_URI =
  /^https:\/\/[a-zA-Z0-9-]{3,24}\.vault\.(azure\.net|azure\.cn|usgovcloudapi\.net)\/secrets\/[a-zA-Z0-9-]{1,127}\/?$/;

/**
 * Checks the server's own props and the endpoint's (one error for all), before anything is created; returns the
 * certificate source and the SSH sources.
 */
export function checkServerProps(
  props: FtpsServerProps,
  path: string,
  name: string,
  framework: readonly Diagnostic[],
): { certificate: KeyVaultCertificate | 'selfSigned'; sshSources: string[] } {
  const c = new PropChecker((v) => Token.isUnresolved(v));
  c.add(...framework);
  let certificate: KeyVaultCertificate | 'selfSigned' = 'selfSigned';
  let sshSources: string[] = [];
  if (typeof props === 'object' && props !== null) {
    const prop = (fix: string) => ({ diagnose: Diagnose.invalidProp, fix });
    c.string('location', props.location, prop('pass the Azure region, e.g. "westeurope".'), { required: true });
    c.string('subnetId', props.subnetId, prop("pass the id of the VM's subnet."), { required: true });
    c.string(
      'adminSshPublicKey',
      props.adminSshPublicKey,
      prop('pass an OpenSSH public key ("ssh-ed25519 AAAA...").'),
      { required: true },
    );
    c.string('vmSize', props.vmSize, prop('pass a VM size such as "Standard_B1s", or leave it out.'));
    const admin = c.string(
      'adminUsername',
      props.adminUsername,
      prop('pass a Linux user name, or leave it out ("ftpsadmin").'),
    );
    if (admin !== undefined && !Token.isUnresolved(admin) && !/^[a-z_][a-z0-9_-]{0,31}$/.test(admin)) {
      c.add(
        Diagnose.invalidProp(
          `adminUsername (${describeValue(admin)}) is not a Linux user name.`,
          'use lower-case letters, digits, "_" and "-", e.g. "ftpsadmin".',
        ),
      );
    }
    if (typeof props.name === 'string' || props.name !== undefined) {
      const n = c.string('name', props.name, prop('pass a short lower-case name, or leave it out (the construct id).'));
      if (n !== undefined && !Token.isUnresolved(n) && !/^[a-z0-9][a-z0-9-]{0,58}$/.test(n)) {
        c.add(
          Diagnose.invalidProp(
            `name (${describeValue(n)}) must be 1-59 lower-case letters, digits and "-".`,
            'use a name such as "ftps".',
          ),
        );
      }
    } else if (!/^[a-z0-9][a-z0-9-]{0,58}$/.test(name)) {
      c.add(
        Diagnose.invalidProp(
          `the construct id gives the resource name ${describeValue(name)}, which Azure refuses.`,
          'pass name: a short lower-case name such as "ftps".',
        ),
      );
    }
    for (const flag of ['selfSignedCertificate', 'requireSessionReuse'] as const) {
      if (props[flag] !== undefined) c.boolean(flag, props[flag], prop(`pass true or false, or leave ${flag} out.`));
    }
    c.add(...daemonProblems({ daemon: props.daemon, tls: props.tls }));
    c.integer(
      'sshPriority',
      props.sshPriority,
      { min: MIN_PRIORITY, max: MAX_PRIORITY },
      { diagnose: Diagnose.invalidLimit, fix: 'leave it unset (4000) or pick a free priority.' },
    );
    c.object(
      'sourceImage',
      props.sourceImage,
      prop('pass { publisher, offer, sku, version }, or leave it out (Ubuntu 24.04).'),
    );
    const sources = c.stringList('sshSources', props.sshSources, {
      diagnose: Diagnose.invalidAddress,
      fix: 'list your administration networks as CIDRs, or leave sshSources out (SSH closed).',
    });
    if (sources) sshSources = checkSshSources(c, sources);
    const vault = c.object(
      'keyVaultCertificate',
      props.keyVaultCertificate,
      prop('pass { keyVaultId, secretId, thumbprint } of an azurerm_key_vault_certificate.'),
    );
    if (vault) {
      c.string('keyVaultCertificate.keyVaultId', vault.keyVaultId, prop('pass azurerm_key_vault.id.'), {
        required: true,
      });
      c.string('keyVaultCertificate.secretId', vault.secretId, prop('pass azurerm_key_vault_certificate.secret_id.'), {
        required: true,
      });
      const t = c.string(
        'keyVaultCertificate.thumbprint',
        vault.thumbprint,
        prop('pass azurerm_key_vault_certificate.thumbprint.'),
        { required: true },
      );
      if (t !== undefined && !Token.isUnresolved(t) && !/^[0-9a-fA-F]{40}$/.test(t)) {
        c.add(
          Diagnose.certificateSource(
            `keyVaultCertificate.thumbprint (${describeValue(t)}) must be a SHA-1 thumbprint (40 hex digits).`,
            'pass azurerm_key_vault_certificate.thumbprint.',
          ),
        );
      }
    }
    const users = c.object(
      'usersSecret',
      props.usersSecret,
      prop('pass { keyVaultId, secretUri } of the users secret, or leave it out.'),
    );
    if (users) {
      c.string('usersSecret.keyVaultId', users.keyVaultId, prop('pass azurerm_key_vault.id.'), { required: true });
      const uri = c.string(
        'usersSecret.secretUri',
        users.secretUri,
        prop('pass the versionless id, https://<vault>.vault.azure.net/secrets/<name>.'),
        { required: true },
      );
      if (uri !== undefined && !Token.isUnresolved(uri) && !SECRET_URI.test(uri)) {
        c.add(
          Diagnose.invalidProp(
            `usersSecret.secretUri (${describeValue(uri)}) is not a Key Vault secret URI.`,
            'pass the versionless id, https://<vault>.vault.azure.net/secrets/<name> (azurerm_key_vault_secret.versionless_id).',
          ),
        );
      }
    }
    if (c.found.length === 0) {
      const picked = certificateSource(props);
      if (typeof picked === 'object' && 'level' in picked) c.add(picked as Diagnostic);
      else certificate = picked as KeyVaultCertificate | 'selfSigned';
    }
  }
  // The endpoint's checks, with the server's findings in the same error; nothing is created by them.
  planRuleSet(
    path,
    typeof props === 'object' && props !== null
      ? {
          ...props,
          newNetworkSecurityGroupName: props.newNetworkSecurityGroupName ?? `${name}-nsg`,
          subnetId: undefined,
          networkInterfaceId: 'nic',
        }
      : props,
    serverSide(props),
    statefulServerRules,
    c.found,
  );
  return { certificate, sshSources };
}

function certificateSource(
  props: Pick<FtpsServerProps, 'keyVaultCertificate' | 'selfSignedCertificate'>,
): KeyVaultCertificate | 'selfSigned' | Diagnostic {
  if (props.keyVaultCertificate && props.selfSignedCertificate === true)
    return Diagnose.certificateSource(
      'keyVaultCertificate and selfSignedCertificate: true were both given.',
      'remove selfSignedCertificate to use Key Vault.',
    );
  if (props.keyVaultCertificate) return props.keyVaultCertificate;
  if (props.selfSignedCertificate !== true)
    return Diagnose.certificateSource(
      'no certificate: FTPS needs one.',
      'give keyVaultCertificate, or, for a test server, selfSignedCertificate: true.',
    );
  return 'selfSigned';
}

function checkSshSources(c: PropChecker, sources: readonly string[]): string[] {
  sources.forEach((s, i) => {
    if (Token.isUnresolved(s)) return;
    const parsed = parseClientCidr(s, { label: `in sshSources[${i}]`, allowBareAddress: true });
    if (!parsed.ok) c.add({ ...parsed.diagnostic, id: DiagnosticIds.INVALID_ADDRESS });
    else if (parsed.value.prefixLength === 0)
      c.add(
        Diagnose.invalidAddress(
          `sshSources[${i}] (${s}) opens SSH to the whole Internet.`,
          'name your administration network.',
        ),
      );
  });
  return [...sources];
}

const upper = (value: string): string => (Token.isUnresolved(value) ? Fn.upper(value) : value.toUpperCase());
