/* eslint-disable @typescript-eslint/no-explicit-any -- Terraform JSON read field by field */
// Composition on Azure: FtpsClientRules in one stack against an FtpsEndpoint in another, and against the attributes
// of an endpoint from another configuration. Assertions read the synthesized Terraform JSON.
import { NetworkInterface } from '@cdktf/provider-azurerm/lib/network-interface';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { App, TerraformStack } from 'cdktf';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FtpsClientRules, FtpsEndpoint } from '../../lib/azure';
import { BASE, SEED } from './fixtures';

const FRAMEWORK = (globalThis as any).FTPS_CDK_FRAMEWORK ?? 'cdktf';

function stackWithProvider(app: App, id: string) {
  const stack = new TerraformStack(app, id);
  new AzurermProvider(stack, 'azurerm', { features: [{}] });
  return stack;
}

function synthAll(app: App): Record<string, any> {
  app.synth();
  const manifest = JSON.parse(fs.readFileSync(path.join(app.outdir, 'manifest.json'), 'utf8'));
  return Object.fromEntries(
    Object.entries<any>(manifest.stacks).map(([name, s]) => [
      name,
      JSON.parse(fs.readFileSync(path.join(app.outdir, s.synthesizedStackPath), 'utf8')),
    ]),
  );
}

const rulesOf = (tf: any) =>
  Object.values<any>(tf.resource?.azurerm_network_security_rule ?? {})
    .map((r) => ({
      direction: r.direction,
      ports: r.destination_port_ranges ?? [r.destination_port_range],
      to: r.destination_address_prefixes ?? r.destination_address_prefix,
    }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('Azure across stacks and configurations', () => {
  let outdir: string;
  beforeEach(() => (outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftps-azure-cross-'))));
  afterEach(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('FtpsClientRules in a consumer stack takes the ports from an FtpsEndpoint in the server stack', () => {
    // GIVEN the server's stack: its NIC and its endpoint
    const app = new App({ outdir });
    const server = stackWithProvider(app, 'server');
    const nic = new NetworkInterface(server, 'Nic', {
      name: 'ftps-nic',
      location: 'westeurope',
      resourceGroupName: 'rg-ftps',
      ipConfiguration: [{ name: 'ip', subnetId: '/subscriptions/x/sub', privateIpAddressAllocation: 'Dynamic' }],
    });
    const endpoint = new FtpsEndpoint(server, 'Ftps', { ...BASE, ...SEED, clients: ['198.51.100.0/24'] });
    // WHEN the consumer's stack adds its client rules, naming the server by its NIC's address (a cross-stack value)
    const consumer = stackWithProvider(app, 'consumer');
    new FtpsClientRules(consumer, 'ToFtps', {
      resourceGroupName: 'rg-batch',
      location: 'westeurope',
      endpoint,
      servers: [nic.privateIpAddress],
    });
    const out = synthAll(app);
    // THEN the consumer's outbound rule carries the endpoint's ports, and reads the address through remote state
    expect(rulesOf(out.consumer)).toEqual([
      {
        direction: 'Outbound',
        ports: ['21', '50000-50004'],
        to: expect.stringMatching(/^\$\{data\.terraform_remote_state\./),
      },
    ]);
    expect(Object.keys(out.consumer.data?.terraform_remote_state ?? {})).toHaveLength(1);
    // AND the server's stack gains only an output, nothing of the consumer
    expect(JSON.stringify(out.server)).not.toContain('rg-batch');
  });

  test("another configuration uses the endpoint's attributes: same ports, servers from the endpoint", () => {
    // GIVEN the owner's configuration, saved as JSON
    const owner = new App({ outdir });
    const ownerStack = stackWithProvider(owner, 'owner');
    const endpoint = new FtpsEndpoint(ownerStack, 'Ftps', {
      ...BASE,
      passivePorts: { from: 40000, to: 40009 },
      activeMode: true,
      clients: ['198.51.100.0/24'],
      serverAddressPrefixes: ['10.0.1.4'],
    });
    const saved = JSON.parse(JSON.stringify(endpoint.attributes()));
    expect(saved).toEqual({
      resourceGroupName: 'rg-ftps',
      networkSecurityGroupName: 'ftps-nsg',
      tls: 'explicit',
      controlPort: 21,
      passivePorts: { from: 40000, to: 40009 },
      activeMode: true,
      clientPorts: { from: 1024, to: 65535 },
      serverAddressPrefixes: ['10.0.1.4'],
    });
    // WHEN a consumer configuration reads it: client rules in its own NSG, and its clients added to the server's NSG
    const app = new App({ outdir: path.join(outdir, 'consumer') });
    const stack = stackWithProvider(app, 'partner');
    new FtpsClientRules(stack, 'ToFtps', { resourceGroupName: 'rg-batch', location: 'westeurope', endpoint: saved });
    new FtpsEndpoint(stack, 'PartnerClients', {
      ...saved,
      clients: ['203.0.113.0/24'],
      priority: 2000,
      ruleNamePrefix: 'partner',
    });
    const tf = synthAll(app).partner;
    // THEN every rule carries the owner's ports, and the partner's server-side rules go to the owner's NSG
    expect(rulesOf(tf)).toEqual([
      { direction: 'Inbound', ports: ['1024-65535'], to: '*' },
      { direction: 'Inbound', ports: ['21', '40000-40009'], to: '10.0.1.4' },
      { direction: 'Outbound', ports: ['1024-65535'], to: '203.0.113.0/24' },
      { direction: 'Outbound', ports: ['21', '40000-40009'], to: '10.0.1.4' },
    ]);
    const partnerRules = Object.values<any>(tf.resource.azurerm_network_security_rule).filter((r) =>
      String(r.name).startsWith('partner'),
    );
    expect(partnerRules.map((r) => r.network_security_group_name)).toEqual(['ftps-nsg', 'ftps-nsg']);
  });

  test.each([
    ['an option given twice', { passivePorts: { from: 1, to: 5 } }, /passivePorts is given together with endpoint/],
    [
      'no servers anywhere',
      { servers: undefined },
      /servers is not given, and the endpoint has no serverAddressPrefixes/,
    ],
  ])('fails if FtpsClientRules has %s, and nothing is added', (_name, extra, message) => {
    const app = new App({ outdir });
    const stack = stackWithProvider(app, 'one');
    const endpoint = new FtpsEndpoint(stack, 'Ftps', { ...BASE, ...SEED, clients: ['198.51.100.0/24'] });
    expect(
      () =>
        new FtpsClientRules(stack, 'ToFtps', {
          resourceGroupName: 'rg',
          location: 'westeurope',
          endpoint,
          servers: ['10.0.0.4'],
          ...extra,
        } as never),
    ).toThrow(message);
    expect(stack.node.tryFindChild('ToFtps')).toBeUndefined();
  });
});

describe('Warnings a CDKTF user sees', () => {
  // GIVEN the README's way of running an app: node app.js, app.synth(), no CDKTF CLI
  const app = (outdir: string) => `
    const { App, TerraformStack } = require('${FRAMEWORK}');
    const { AzurermProvider } = require('@${FRAMEWORK}/provider-azurerm/lib/provider');
    const { FtpsEndpoint } = require(${JSON.stringify(path.resolve(__dirname, '../../dist/lib', FRAMEWORK === 'cdktn' ? 'azure-cdktn' : 'azure'))});
    const app = new App({ outdir: ${JSON.stringify(outdir)} });
    const stack = new TerraformStack(app, 'ftps');
    new AzurermProvider(stack, 'azurerm', { features: [{}] });
    new FtpsEndpoint(stack, 'Ftps', { resourceGroupName: 'rg', location: 'westeurope',
      passivePorts: { from: 50000, to: 50004 }, clients: ['*'] });
    app.synth();
    app.synth();`;
  const stderrOf = (env: Record<string, string>) => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftps-warn-'));
    try {
      const r = spawnSync(process.execPath, ['-e', app(outdir)], {
        cwd: path.resolve(__dirname, '../..'),
        env: { PATH: process.env.PATH!, ...env },
        encoding: 'utf8',
      });
      expect(r.status).toBe(0);
      return String(r.stderr);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  };

  test('each warning once at synth, with its id, even when the app synthesizes twice', () => {
    const stderr = stderrOf({});
    expect(
      stderr.match(/\[ftps-constructs:worldOpen\] FtpsWarning: ftps\/Ftps: Client \* is the whole Internet/g),
    ).toHaveLength(1);
    expect(
      stderr.match(/\[ftps-constructs:smallPassiveRange\] FtpsWarning: ftps\/Ftps: 5 passive ports \(50000-50004\)/g),
    ).toHaveLength(1);
  });

  test('none from the library under the CDKTF CLI, which prints the manifest annotations itself', () => {
    expect(stderrOf({ CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS: 'true', CDKTF_OUTDIR: os.tmpdir() })).not.toContain(
      'FtpsWarning',
    );
  });
});
