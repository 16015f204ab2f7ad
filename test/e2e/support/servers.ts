// The deployable servers synthesized as the end-to-end files need them: the boot script as the cloud would run it
// (deploy-time values substituted) and the firewall rules for the test's nftables. One place for the three files
// that boot them, run their configuration, or read it back.
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { App, DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Testing, TerraformStack } from 'cdktf';
import { FtpsEndpoint, FtpsFleet, FtpsServer, FtpsServerProps } from '../../../lib/aws';
import {
  FtpsFleet as AzureFtpsFleet,
  FtpsFleetProps as AzureFtpsFleetProps,
  FtpsServer as AzureFtpsServer,
  FtpsServerProps as AzureFtpsServerProps,
} from '../../../lib/azure';
import { FtpsOptions, ResolvedFtpsOptions } from '../../../lib/core';
import { cfnText, fleetFixture } from '../../aws/fixtures';
import { bootScriptConf, customDataText } from '../../support/terraform-custom-data';
import { cfnToNft } from './translate-cfn';
import { ForwardedPort, cfnForwarding, tfForwarding } from './translate-lb';
import { terraformToNft } from './translate-tf';

export interface SynthesizedServer {
  readonly options: ResolvedFtpsOptions;
  /** The boot script as the cloud runs it, with `address` as the public IP and us-east-1 as the region. */
  readonly script: string;
  /** The server's firewall as nftables. */
  readonly rules: string;
}

/** An AWS FtpsServer for the clients 203.0.113.0/25: self-signed, or with the certificate secret of that ARN. */
export function awsServer(
  address: string,
  overrides: Partial<FtpsServerProps> = {},
  certificateArn?: string,
): SynthesizedServer {
  // The instance's zone is hard-coded in this fixture: skip CloudFormation's schema checks (they only warn).
  const app = new App({ builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'E2eServer', {
    synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
  });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'PublicVpc', {
    vpcId: 'vpc-12345678',
    availabilityZones: ['us-east-1a'],
    publicSubnetIds: ['subnet-12345678'],
    publicSubnetRouteTableIds: ['rtb-12345678'],
  });
  const server = new FtpsServer(stack, 'Server', {
    vpc,
    passivePorts: { from: 50000, to: 50019 },
    clients: [ec2.Peer.ipv4('203.0.113.0/25')],
    ...(certificateArn
      ? { certificateSecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Cert', certificateArn) }
      : { selfSignedCertificate: true }),
    usersSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Users', 'ftps/users'),
    ...overrides,
  });
  const template = app.synth().getStackByName(stack.stackName).template;
  const [instance] = Object.values<{ Type: string; Properties: Record<string, unknown> }>(template.Resources).filter(
    (r) => r.Type === 'AWS::EC2::Instance',
  );
  const [eip] = Object.keys(template.Resources).filter((k) => template.Resources[k].Type === 'AWS::EC2::EIP');
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return {
    options: server.endpoint.options,
    script: cfnText(instance.Properties.UserData)
      .replaceAll(`{GetAtt:${eip}.PublicIp}`, address)
      .replaceAll(b64('{Ref:AWS::Region}'), b64('us-east-1')),
    rules: cfnToNft(template, {
      securityGroup: stack.getLogicalId(server.endpoint.securityGroup.node.defaultChild as never),
    }),
  };
}

/** An Azure FtpsServer (self-signed unless overridden) for the clients 203.0.113.0/25. */
export function azureServer(
  address: { readonly v4: string; readonly v6: string },
  overrides: Partial<AzureFtpsServerProps> = {},
): SynthesizedServer {
  const stack = new TerraformStack(Testing.app(), 'e2e-server');
  new AzurermProvider(stack, 'azurerm', { features: [{}] });
  const server = new AzureFtpsServer(stack, 'Server', {
    resourceGroupName: 'rg',
    location: 'westeurope',
    subnetId: 'subnet',
    passivePorts: { from: 50000, to: 50019 },
    clients: ['203.0.113.0/25'],
    adminSshPublicKey: 'ssh-ed25519 AAAA e2e',
    selfSignedCertificate: overrides.keyVaultCertificate === undefined,
    acknowledgeWarnings: ['ftps-constructs:selfSignedCertificate'],
    ...overrides,
  });
  const tf = JSON.parse(Testing.synth(stack, true));
  const [vm] = Object.values(tf.resource.azurerm_linux_virtual_machine) as Array<{ custom_data: string }>;
  const nsg = (Object.values(tf.resource.azurerm_network_security_rule)[0] as { network_security_group_name: string })
    .network_security_group_name;
  return {
    options: server.endpoint.options,
    script: customDataText(vm.custom_data, (e) => {
      if (/^azurerm_public_ip\.\w+\.ip_address$/.test(e)) return address.v4;
      throw new Error(`unexpected expression in custom_data: ${e}`);
    }),
    rules: terraformToNft(tf, { nsg, self: [address.v4, address.v6], virtualNetwork: ['198.51.100.0/24'] }),
  };
}

/**
 * The security group of an AWS FtpsEndpoint with these options, for the inside client's networks (203.0.113.0/25,
 * and 2001:db8:2::/120 with `ipv6`), as nftables.
 */
export function awsEndpointRules(options: FtpsOptions, ipv6 = true): string {
  const app = new App();
  const stack = new Stack(app, 'E2e', {
    synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
  });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-12345678', availabilityZones: ['us-east-1a'] });
  const endpoint = new FtpsEndpoint(stack, 'Ftps', {
    vpc,
    ...options,
    clients: [ec2.Peer.ipv4('203.0.113.0/25'), ...(ipv6 ? [ec2.Peer.ipv6('2001:db8:2::/120')] : [])],
  });
  const template = app.synth().getStackByName('E2e').template;
  return cfnToNft(template, { securityGroup: stack.getLogicalId(endpoint.securityGroup.node.defaultChild as never) });
}

/** A synthesized fleet as the balancer end-to-end test needs it: the forwarding table and each backend. */
export interface SynthesizedFleet {
  /** The balancer's listeners (AWS) or rules (Azure), read from the synthesized JSON. */
  readonly forwarding: ForwardedPort[];
  readonly backends: Array<{
    /** Instance logical id (AWS) or NIC resource name (Azure): what the forwarding table names. */
    readonly id: string;
    /** vsftpd.conf from the boot script, the balancer's address as `frontend`. */
    readonly conf: string;
    /** The whole boot script as the cloud runs it (the balancer's address as `frontend`). */
    readonly script: string;
    /** Its firewall as nftables. */
    readonly rules: string;
  }>;
}

/** An AWS FtpsFleet of `backends` vsftpd servers for the clients 203.0.113.0/24, read back from its template. */
export function awsFleet(
  frontend: string,
  backends: number,
  passivePorts: { from: number; to: number },
): SynthesizedFleet {
  // The balancer's subnets are documentation networks: its health checks come from there.
  const { app, stack, vpc } = fleetFixture();
  new FtpsFleet(stack, 'Fleet', {
    vpc,
    backends,
    passivePorts,
    clients: [ec2.Peer.ipv4('203.0.113.0/24')],
    selfSignedCertificate: true,
    usersSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Users', 'ftps/users'),
  });
  const template = app.synth().getStackByName(stack.stackName).template;
  const resources = template.Resources as Record<string, { Type: string; Properties: Record<string, any> }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const eips = Object.keys(resources).filter((k) => resources[k].Type === 'AWS::EC2::EIP');
  return {
    forwarding: cfnForwarding(template),
    backends: Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::EC2::Instance')
      .map(([id, r]) => {
        const script = cfnText(r.Properties.UserData);
        // PASV advertises the first Elastic IP: here, the stand-in balancer's frontend.
        const conf = bootScriptConf(script).replaceAll(`{GetAtt:${eips[0]}.PublicIp}`, frontend);
        // The instance's FTPS group is its first (the other allows HTTPS out for administration).
        const [first] = r.Properties.SecurityGroupIds as Array<{ 'Fn::GetAtt': [string, string] }>;
        return {
          id,
          conf,
          script: script.replaceAll(`{GetAtt:${eips[0]}.PublicIp}`, frontend),
          rules: cfnToNft(template, { securityGroup: first['Fn::GetAtt'][0] }),
        };
      }),
  };
}

/** An Azure FtpsFleet of `backends` vsftpd VMs for the clients 203.0.113.0/24, read back from its Terraform JSON. */
export function azureFleet(
  frontend: string,
  backends: number,
  passivePorts: { from: number; to: number },
  overrides: Partial<AzureFtpsFleetProps> = {},
): SynthesizedFleet {
  const stack = new TerraformStack(Testing.app(), 'e2e-fleet');
  new AzurermProvider(stack, 'azurerm', { features: [{}] });
  new AzureFtpsFleet(stack, 'Fleet', {
    resourceGroupName: 'rg',
    location: 'westeurope',
    subnetId: 'subnet',
    name: 'fleet',
    backends,
    passivePorts,
    clients: ['203.0.113.0/24'],
    adminSshPublicKey: 'ssh-ed25519 AAAA e2e',
    selfSignedCertificate: true,
    acknowledgeWarnings: ['ftps-constructs:selfSignedCertificate', 'ftps-constructs:smallPassiveRange'],
    ...overrides,
    ...(overrides.keyVaultCertificate ? { selfSignedCertificate: false } : {}),
  });
  const tf = JSON.parse(Testing.synth(stack, true));
  const res = tf.resource as Record<string, Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const nicOf = (expr: string) => /^\$\{azurerm_network_interface\.([^.}]+)\.id\}$/.exec(expr)![1];
  const nsgOfNic: Record<string, string> = {};
  for (const a of Object.values(res.azurerm_network_interface_security_group_association)) {
    const nsg = /^\$\{azurerm_network_security_group\.([^.}]+)\.id\}$/.exec(a.network_security_group_id)![1];
    nsgOfNic[nicOf(a.network_interface_id)] = `\${azurerm_network_security_group.${nsg}.name}`;
  }
  return {
    forwarding: tfForwarding(tf),
    backends: Object.values(res.azurerm_linux_virtual_machine).map((vm) => {
      const nic = nicOf(vm.network_interface_ids[0]);
      const script = customDataText(vm.custom_data, (e) => {
        // PASV advertises the load balancer's public IP: here, the stand-in balancer's frontend.
        if (/^azurerm_public_ip\.\w+\.ip_address$/.test(e)) return frontend;
        throw new Error(`unexpected expression in custom_data: ${e}`);
      });
      return {
        id: nic,
        conf: bootScriptConf(script),
        script,
        rules: terraformToNft(tf, { nsg: nsgOfNic[nic], self: [], virtualNetwork: ['198.51.100.0/24'] }),
      };
    }),
  };
}
