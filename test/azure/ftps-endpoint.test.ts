import { NetworkInterfaceSecurityGroupAssociation } from '@cdktf/provider-azurerm/lib/network-interface-security-group-association';
import { NetworkSecurityGroup } from '@cdktf/provider-azurerm/lib/network-security-group';
import { NetworkSecurityRule } from '@cdktf/provider-azurerm/lib/network-security-rule';
import { SubnetNetworkSecurityGroupAssociation } from '@cdktf/provider-azurerm/lib/subnet-network-security-group-association';
import { TerraformOutput, TerraformVariable, Testing } from 'cdktf';
import { FtpsClientRules, FtpsEndpoint } from '../../lib/azure';
import { DiagnosticIds, FtpsTls, FtpsValidationError } from '../../lib/core';
import { BASE, SEED, fixture, resourcesOf, warningsOf } from './fixtures';
import { circularObject, expectSharedPlanFrozen } from '../support/shared-plans';

/** NSG rules in evaluation order: by direction, then priority. */
const rulesOf = (stack: Parameters<typeof resourcesOf>[0]) =>
  resourcesOf(stack, 'azurerm_network_security_rule').sort(
    (a, b) => String(a.direction).localeCompare(String(b.direction)) || Number(a.priority) - Number(b.priority),
  );
const NSG_REF = expect.stringMatching(/^\$\{azurerm_network_security_group\.Ftps_Rules_Nsg_[0-9A-F]{8}\.name\}$/);

describe('Azure FtpsEndpoint', () => {
  test('seed case: one inbound rule carries 21 and 50000-50004 from the client, in a new NSG', () => {
    // GIVEN
    const { stack, synth } = fixture();
    // WHEN
    new FtpsEndpoint(stack, 'Ftps', { ...BASE, ...SEED, clients: ['203.0.113.0/24'] });
    // THEN
    expect(synth()).toHaveResourceWithProperties(NetworkSecurityGroup, {
      name: 'ftps-nsg',
      resource_group_name: 'rg-ftps',
      location: 'westeurope',
    });
    expect(rulesOf(stack)).toEqual([
      {
        name: 'ftps-inbound-ipv4',
        description: 'FTPS control (explicit); FTPS passive data 50000-50004',
        direction: 'Inbound',
        priority: 100,
        access: 'Allow',
        protocol: 'Tcp',
        source_port_range: '*',
        source_address_prefix: '203.0.113.0/24',
        destination_address_prefix: '*',
        destination_port_ranges: ['21', '50000-50004'],
        network_security_group_name: NSG_REF,
        resource_group_name: 'rg-ftps',
      },
    ]);
  });

  test('implicit TLS: 990 and the passive range', () => {
    const { stack, synth } = fixture();
    new FtpsEndpoint(stack, 'Ftps', { ...BASE, ...SEED, tls: FtpsTls.IMPLICIT, clients: ['203.0.113.0/24'] });
    expect(synth()).toHaveResourceWithProperties(NetworkSecurityRule, {
      destination_port_ranges: ['990', '50000-50004'],
      description: 'FTPS control (implicit); FTPS passive data 50000-50004',
    });
  });

  test('active mode adds the outbound rule to the clients ephemeral range, and warns', () => {
    const { stack } = fixture();
    const endpoint = new FtpsEndpoint(stack, 'Ftps', {
      ...BASE,
      ...SEED,
      activeMode: true,
      clients: ['203.0.113.0/24'],
    });
    const outbound = rulesOf(stack).filter((r) => r.direction === 'Outbound');
    expect(outbound).toEqual([
      expect.objectContaining({
        name: 'ftps-outbound-ipv4',
        priority: 100,
        source_address_prefix: '*',
        destination_address_prefix: '203.0.113.0/24',
        destination_port_range: '1024-65535',
        description: 'FTPS active data from port 20',
      }),
    ]);
    expect(warningsOf(endpoint)).toContainEqual(expect.stringContaining(`[${DiagnosticIds.ACTIVE_MODE}]`));
  });

  test('many CIDRs share one rule; adjacent ones merge; IPv6 gets its own rule; single addresses stay addresses', () => {
    const { stack } = fixture();
    new FtpsEndpoint(stack, 'Ftps', {
      ...BASE,
      ...SEED,
      clients: ['203.0.113.0/25', '203.0.113.128/25', '198.51.100.7', '2001:db8::/32'],
    });
    expect(
      rulesOf(stack).map((r) => [r.name, r.priority, r.source_address_prefix ?? r.source_address_prefixes]),
    ).toEqual([
      ['ftps-inbound-ipv4', 100, ['198.51.100.7', '203.0.113.0/24']],
      ['ftps-inbound-ipv6', 110, '2001:db8::/32'],
    ]);
  });

  test('each service tag gets its own rule, as Azure requires, and Internet warns as world-open', () => {
    const { stack } = fixture();
    const endpoint = new FtpsEndpoint(stack, 'Ftps', {
      ...BASE,
      ...SEED,
      clients: ['203.0.113.0/24', 'Internet', 'AzureCloud.WestEurope'],
    });
    // Tags in name order, whatever the order given: the rules do not depend on it.
    expect(rulesOf(stack).map((r) => [r.name, r.priority, r.source_address_prefix])).toEqual([
      ['ftps-inbound-ipv4', 100, '203.0.113.0/24'],
      ['ftps-inbound-tag-azurecloud-westeurope', 110, 'AzureCloud.WestEurope'],
      ['ftps-inbound-tag-internet', 120, 'Internet'],
    ]);
    expect(warningsOf(endpoint)).toContainEqual(
      expect.stringContaining(`[${DiagnosticIds.WORLD_OPEN}] Client Internet is the whole Internet`),
    );
  });

  test.each(['*', '0.0.0.0/0', '::/0'])('warns when a client is %s', (client) => {
    const { stack } = fixture();
    const endpoint = new FtpsEndpoint(stack, 'Ftps', { ...BASE, ...SEED, clients: [client] });
    expect(warningsOf(endpoint)).toContainEqual(expect.stringContaining(`[${DiagnosticIds.WORLD_OPEN}]`));
  });

  test('application security groups: up to 10 per rule, in rules of their own', () => {
    const { stack } = fixture();
    const asgs = Array.from(
      { length: 12 },
      (_, i) => `/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/asg${i}`,
    );
    new FtpsEndpoint(stack, 'Ftps', {
      ...BASE,
      ...SEED,
      clients: [],
      clientApplicationSecurityGroupIds: asgs,
      serverApplicationSecurityGroupIds: ['/asg/server'],
    });
    const rules = rulesOf(stack);
    expect(
      rules.map((r) => [
        r.name,
        (r.source_application_security_group_ids as string[]).length,
        r.destination_application_security_group_ids,
      ]),
    ).toEqual([
      ['ftps-inbound-asg-1', 10, ['/asg/server']],
      ['ftps-inbound-asg-2', 2, ['/asg/server']],
    ]);
  });

  test('server addresses narrow the destination', () => {
    const { stack } = fixture();
    new FtpsEndpoint(stack, 'Ftps', {
      ...BASE,
      ...SEED,
      clients: ['203.0.113.0/24'],
      serverAddressPrefixes: ['10.20.1.4'],
    });
    expect(rulesOf(stack)[0]).toMatchObject({ destination_address_prefix: '10.20.1.4' });
  });

  test('an existing NSG by name: rules go there, no NSG is created, its id comes from a data source', () => {
    const { stack, synth } = fixture();
    const endpoint = new FtpsEndpoint(stack, 'Ftps', {
      resourceGroupName: 'rg-ftps',
      ...SEED,
      networkSecurityGroupName: 'nsg-existing',
      clients: ['203.0.113.0/24'],
      subnetId: '/subnets/ftps',
    });
    const out = synth();
    expect(out).not.toHaveResource(NetworkSecurityGroup);
    expect(out).toHaveResourceWithProperties(NetworkSecurityRule, { network_security_group_name: 'nsg-existing' });
    expect(resourcesOf(stack, 'azurerm_subnet_network_security_group_association')).toEqual([
      {
        subnet_id: '/subnets/ftps',
        network_security_group_id: expect.stringMatching(
          /^\$\{data\.azurerm_network_security_group\.Ftps_Rules_ExistingNsg_[0-9A-F]{8}\.id\}$/,
        ),
      },
    ]);
    expect(Object.values(JSON.parse(out).data.azurerm_network_security_group)).toEqual([
      { name: 'nsg-existing', resource_group_name: 'rg-ftps' },
    ]);
    expect(endpoint.networkSecurityGroupName).toBe('nsg-existing');
  });

  test('both association styles, and the NSG name and id exposed for composition', () => {
    const { stack, synth } = fixture();
    const endpoint = new FtpsEndpoint(stack, 'Ftps', {
      ...BASE,
      ...SEED,
      clients: ['203.0.113.0/24'],
      subnetId: '/subnets/ftps',
      networkInterfaceId: '/nics/ftps',
    });
    new TerraformOutput(stack, 'nsg_id', { value: endpoint.networkSecurityGroupId });
    new TerraformOutput(stack, 'nsg_name', { value: endpoint.networkSecurityGroupName });
    const out = synth();
    const outputs = JSON.parse(out).output;
    const nsgId = outputs.nsg_id.value;
    expect(nsgId).toMatch(/^\$\{azurerm_network_security_group\.Ftps_Rules_Nsg_[0-9A-F]{8}\.id\}$/);
    expect(outputs.nsg_name.value).toBe(nsgId.replace(/\.id\}$/, '.name}'));
    expect(out).toHaveResourceWithProperties(SubnetNetworkSecurityGroupAssociation, {
      subnet_id: '/subnets/ftps',
      network_security_group_id: nsgId,
    });
    expect(out).toHaveResourceWithProperties(NetworkInterfaceSecurityGroupAssociation, {
      network_interface_id: '/nics/ftps',
      network_security_group_id: nsgId,
    });
  });

  test('priorities start and step as configured', () => {
    const { stack } = fixture();
    new FtpsEndpoint(stack, 'Ftps', {
      ...BASE,
      ...SEED,
      priority: 300,
      priorityStep: 5,
      activeMode: true,
      clients: ['203.0.113.0/24', 'VirtualNetwork'],
    });
    expect(rulesOf(stack).map((r) => `${r.direction} ${r.priority} ${r.name}`)).toEqual([
      'Inbound 300 ftps-inbound-ipv4',
      'Inbound 305 ftps-inbound-tag-virtualnetwork',
      'Outbound 300 ftps-outbound-ipv4',
      'Outbound 305 ftps-outbound-tag-virtualnetwork',
    ]);
  });

  test('a client CIDR from a Terraform variable passes through', () => {
    const { stack } = fixture();
    const cidr = new TerraformVariable(stack, 'client_cidr', { type: 'string' });
    new FtpsEndpoint(stack, 'Ftps', { ...BASE, ...SEED, clients: [cidr.stringValue, '203.0.113.0/24'] });
    expect(rulesOf(stack).map((r) => [r.name, r.source_address_prefix])).toEqual([
      ['ftps-inbound-ipv4', '203.0.113.0/24'],
      ['ftps-inbound-prefixes', '${var.client_cidr}'],
    ]);
  });

  test('acknowledged warnings are not reported', () => {
    const { stack } = fixture();
    const endpoint = new FtpsEndpoint(stack, 'Ftps', {
      ...BASE,
      ...SEED,
      clients: ['203.0.113.0/24'],
      acknowledgeWarnings: [DiagnosticIds.SMALL_PASSIVE_RANGE],
    });
    expect(warningsOf(endpoint)).toEqual([]);
    const { stack: other } = fixture();
    expect(warningsOf(new FtpsEndpoint(other, 'Ftps', { ...BASE, ...SEED, clients: ['203.0.113.0/24'] }))).toEqual([
      expect.stringMatching(
        /^\[ftps-constructs:smallPassiveRange\] 5 passive ports \(50000-50004\) carry 2 with vsftpd/,
      ),
    ]);
  });

  test('warns when no client is named, and creates no rule', () => {
    const { stack } = fixture();
    const endpoint = new FtpsEndpoint(stack, 'Ftps', {
      ...BASE,
      passivePorts: { from: 50000, to: 50009 },
      clients: [],
    });
    expect(warningsOf(endpoint)).toEqual([expect.stringContaining(`[${DiagnosticIds.NO_CLIENTS}] No client is named`)]);
    expect(rulesOf(stack)).toEqual([]);
  });
});

describe('Azure FtpsEndpoint: many endpoints with the same props (one plan, shared)', () => {
  test('each has its own NSG, rules and warnings', () => {
    const { stack, parsed } = fixture();
    const a = new FtpsEndpoint(stack, 'A', { ...BASE, ...SEED, clients: ['203.0.113.0/24'] });
    const b = new FtpsEndpoint(stack, 'B', { ...BASE, ...SEED, clients: ['203.0.113.0/24'] });
    const json = parsed() as { resource: Record<string, Record<string, Record<string, unknown>>> };
    const nsgs = json.resource.azurerm_network_security_group;
    const nameOf = (prefix: string) => Object.keys(nsgs).find((k) => k.startsWith(`${prefix}_Rules_Nsg_`));
    expect(Object.values(nsgs).map((n) => n.name)).toEqual(['a-nsg', 'b-nsg']);
    expect(
      Object.values(json.resource.azurerm_network_security_rule).map((r) => r.network_security_group_name),
    ).toEqual([
      `\${azurerm_network_security_group.${nameOf('A')}.name}`,
      `\${azurerm_network_security_group.${nameOf('B')}.name}`,
    ]);
    for (const endpoint of [a, b])
      expect(warningsOf(endpoint)).toEqual([expect.stringContaining(`[${DiagnosticIds.SMALL_PASSIVE_RANGE}]`)]);
  });

  // A key that loses the type (JSON's NaN -> null, or String('21') === String(21)) would hand the second endpoint
  // the first one's checked plan.
  test.each([
    [undefined, NaN, /controlPort \(NaN\) must be an integer/],
    [21, '21', /controlPort \("21"\) must be an integer/],
  ])('controlPort %p is accepted, and %p after it is still rejected', (valid, invalid, message) => {
    const { stack } = fixture();
    const props = { ...BASE, ...SEED, clients: ['203.0.113.0/24'] };
    new FtpsEndpoint(stack, 'Valid', { ...props, controlPort: valid as unknown as number });
    expect(() => new FtpsEndpoint(stack, 'Invalid', { ...props, controlPort: invalid as unknown as number })).toThrow(
      message,
    );
  });

  // JavaScript callers can pass anything: a value the key cannot hold (circular, a class instance) skips the
  // cache and gets the same check, not a TypeError from JSON.
  test.each([
    ['a circular object', circularObject],
    ['a class instance', () => new Date(50000)],
  ])('%s in place of a port is reported, not crashed on, every time', (_what, value) => {
    const { stack } = fixture();
    const from = value() as unknown as number;
    for (const id of ['First', 'Second']) {
      expect(
        () => new FtpsEndpoint(stack, id, { ...BASE, passivePorts: { from, to: 50009 }, clients: ['203.0.113.0/24'] }),
      ).toThrow(
        new RegExp(
          `^test/${id}: \\[ftps-constructs:invalidPort\\] passivePorts.from \\(.*\\) must be an integer from 1024 to 65535`,
        ),
      );
    }
  });

  test('the shared options and flows cannot be changed through one endpoint', () => {
    const { stack } = fixture();
    const props = { ...BASE, ...SEED, clients: ['203.0.113.0/24'] };
    const a = new FtpsEndpoint(stack, 'A', props);
    const b = new FtpsEndpoint(stack, 'B', props);
    expectSharedPlanFrozen(a, b);
  });

  test('server and client side with the same props and peer list get their own rules', () => {
    const { stack } = fixture();
    const props = { ...BASE, ...SEED, networkSecurityGroupName: 'shared-nsg', ruleNamePrefix: 'x' };
    const server = new FtpsEndpoint(stack, 'Server', { ...props, clients: ['198.51.100.0/24'] });
    const client = new FtpsClientRules(stack, 'Client', { ...props, priority: 200, servers: ['198.51.100.0/24'] });
    expect(server.rules.map((r) => r.directionInput)).toEqual(['Inbound']);
    expect(client.rules.map((r) => r.directionInput)).toEqual(['Outbound']);
  });
});

describe('Azure FtpsEndpoint errors', () => {
  test('fails if passivePorts is inverted, naming the construct and the fix, before anything is created', () => {
    const { stack } = fixture();
    expect(
      () =>
        new FtpsEndpoint(stack, 'Ftps', {
          ...BASE,
          passivePorts: { from: 50004, to: 50000 },
          clients: ['203.0.113.0/24'],
        }),
    ).toThrow(
      'test/Ftps: [ftps-constructs:invertedPortRange] passivePorts (50004-50000) is inverted: from (50004) is greater than to (50000). Fix: swap them (50000-50004).',
    );
    expect(JSON.parse(Testing.synth(stack)).resource).toBeUndefined();
  });

  test.each([
    ['203.0.113.7/24', 'Client [0] "203.0.113.7/24" has host bits set. Did you mean "203.0.113.0/24"?'],
    ['not-an-address', 'Client [0] "not-an-address" is not an IPv4 or IPv6 CIDR'],
    ['203.0.113.0/24 junk', 'has an invalid prefix length "24 junk"'],
  ])('fails if a client is %j', (client, message) => {
    const { stack } = fixture();
    expect(() => new FtpsEndpoint(stack, 'Ftps', { ...BASE, ...SEED, clients: [client] })).toThrow(message);
  });

  test('fails if a priority collides with a reserved rule, naming both rules', () => {
    const { stack } = fixture();
    expect(
      () =>
        new FtpsEndpoint(stack, 'Ftps', {
          ...BASE,
          ...SEED,
          clients: ['203.0.113.0/24', 'VirtualNetwork'],
          reservedRules: [{ name: 'allow-ssh', priority: 110, direction: 'Inbound' }],
        }),
    ).toThrow(
      'test/Ftps: [ftps-constructs:nsgPriority] inbound priority 110 of rule "ftps-inbound-tag-virtualnetwork" collides with reserved rule "allow-ssh" (Inbound 110). Fix: set priority above your reserved rules, e.g. 111.',
    );
  });

  test('fails at synth if a priority collides with another rule of the same NSG in the app, naming both', () => {
    const { stack } = fixture();
    new NetworkSecurityRule(stack, 'Mine', {
      name: 'allow-ssh',
      resourceGroupName: 'rg-ftps',
      networkSecurityGroupName: 'nsg-shared',
      direction: 'Inbound',
      priority: 100,
      access: 'Allow',
      protocol: 'Tcp',
      sourcePortRange: '*',
      destinationPortRange: '22',
      sourceAddressPrefix: '198.51.100.0/24',
      destinationAddressPrefix: '*',
    });
    new FtpsEndpoint(stack, 'Ftps', {
      resourceGroupName: 'rg-ftps',
      ...SEED,
      networkSecurityGroupName: 'nsg-shared',
      clients: ['203.0.113.0/24'],
    });
    expect(() => Testing.synth(stack, true)).toThrow(
      /inbound priority 100 is used by both "allow-ssh" \(test\/Mine\) and "ftps-inbound-ipv4" \(test\/Ftps\/Rules\/ftps-inbound-ipv4\)/,
    );
  });

  test('fails if priorities would exceed 4096', () => {
    const { stack } = fixture();
    expect(
      () =>
        new FtpsEndpoint(stack, 'Ftps', {
          ...BASE,
          ...SEED,
          priority: 4090,
          clients: ['203.0.113.0/24', 'VirtualNetwork'],
        }),
    ).toThrow('priority 4100 of rule "ftps-inbound-tag-virtualnetwork" exceeds 4096');
  });

  test('fails at synth if the NSG would exceed 1000 rules', () => {
    const { stack } = fixture();
    const tags = Array.from({ length: 1001 }, (_, i) => `Tag${i}`);
    new FtpsEndpoint(stack, 'Ftps', {
      ...BASE,
      ...SEED,
      priorityStep: 1,
      clients: tags,
      additionalServiceTags: tags, // not documented by Azure: accepted as new tags
    });
    expect(() => Testing.synth(stack, true)).toThrow(
      /\[ftps-constructs:nsgRuleLimit\] .*would hold 1001 rules; Azure allows 1000/,
    );
  });

  test('fails if one rule would carry more than 4000 prefixes after merging', () => {
    const { stack } = fixture();
    const hosts = Array.from({ length: 4001 }, (_, i) => `10.${Math.floor(i / 128)}.${(i % 128) * 2}.1`);
    expect(() => new FtpsEndpoint(stack, 'Ftps', { ...BASE, ...SEED, clients: hosts })).toThrow(
      /hold 4001 IPv4 prefixes after merging adjacent and nested networks; one NSG rule takes at most 4000/,
    );
  });

  test.each([
    [{ priority: 99 }, 'priority (99) must be an integer from 100 to 4096'],
    [{ priorityStep: 0 }, 'priorityStep (0) must be an integer from 1 to 4096'],
    [{ location: undefined }, 'location is required to create the network security group'],
    [{ networkSecurityGroupName: 'a', newNetworkSecurityGroupName: 'b' }, 'exclude each other'],
    [{ ruleNamePrefix: 'bad prefix!' }, 'ruleNamePrefix ("bad prefix!")'],
  ])('fails on bad props %j', (props, message) => {
    const { stack } = fixture();
    expect(() => new FtpsEndpoint(stack, 'Ftps', { ...BASE, ...SEED, clients: ['203.0.113.0/24'], ...props })).toThrow(
      message,
    );
  });

  test('fails if a port is a token', () => {
    const { stack } = fixture();
    const port = new TerraformVariable(stack, 'port', { type: 'number' });
    expect(
      () =>
        new FtpsEndpoint(stack, 'Ftps', {
          ...BASE,
          ...SEED,
          controlPort: port.numberValue,
          clients: ['203.0.113.0/24'],
        }),
    ).toThrow(/controlPort is a deploy-time value/);
  });
});

describe('Azure FtpsClientRules (client side)', () => {
  test('outbound to the server control port and passive range in one rule', () => {
    const { stack } = fixture();
    new FtpsClientRules(stack, 'FtpsClient', {
      resourceGroupName: 'rg-clients',
      ...SEED,
      networkSecurityGroupName: 'nsg-clients',
      servers: ['198.51.100.10'],
    });
    expect(rulesOf(stack)).toEqual([
      expect.objectContaining({
        name: 'ftps-outbound-ipv4',
        direction: 'Outbound',
        priority: 100,
        source_address_prefix: '*',
        destination_address_prefix: '198.51.100.10',
        destination_port_ranges: ['21', '50000-50004'],
        network_security_group_name: 'nsg-clients',
      }),
    ]);
  });

  test('active mode adds inbound data from the server to the clients ephemeral range', () => {
    const { stack } = fixture();
    new FtpsClientRules(stack, 'FtpsClient', {
      ...BASE,
      ...SEED,
      activeMode: true,
      servers: ['198.51.100.10'],
      clientAddressPrefixes: ['203.0.113.0/24'],
    });
    expect(rulesOf(stack).filter((r) => r.direction === 'Inbound')).toEqual([
      expect.objectContaining({
        source_address_prefix: '198.51.100.10',
        destination_address_prefix: '203.0.113.0/24',
        destination_port_range: '1024-65535',
      }),
    ]);
  });

  test('fails if a server address is wrong', () => {
    const { stack } = fixture();
    expect(() => new FtpsClientRules(stack, 'FtpsClient', { ...BASE, ...SEED, servers: ['198.51.100.10/24'] })).toThrow(
      'Server [0] "198.51.100.10/24" has host bits set',
    );
  });
});

describe('Azure FtpsEndpoint: inputs checked before apply', () => {
  const make = (props: Record<string, unknown>) => () => {
    const { stack } = fixture();
    new FtpsEndpoint(stack, 'Ftps', { ...BASE, ...SEED, clients: ['203.0.113.0/24'], ...props } as never);
  };

  test.each([
    [{ clients: ['Internt'] }, DiagnosticIds.UNKNOWN_SERVICE_TAG, 'did you mean "Internet"?'],
    [{ clients: ['localhost'] }, DiagnosticIds.UNKNOWN_SERVICE_TAG, 'neither an address nor a service tag'],
    [
      { clients: ['AzureCloud.NoSuchRegion'] },
      DiagnosticIds.UNKNOWN_SERVICE_TAG,
      'neither an address nor a service tag',
    ],
    [{ clients: ['::ffff:10.0.0.1'] }, DiagnosticIds.INVALID_CLIENT, 'give the IPv4 form "10.0.0.1/32"'],
    [{ clients: ['fe80::1%eth0'] }, DiagnosticIds.INVALID_CLIENT, 'zone id'],
    [{ serverAddressPrefixes: ['10.0.0.1/8'] }, DiagnosticIds.INVALID_ADDRESS, 'has host bits set'],
    [{ serverAddressPrefixes: 'VirtualNetwork' }, DiagnosticIds.INVALID_ADDRESS, 'must be a list'],
    [
      { reservedRules: [{ name: 'ssh', priority: 100, direction: 'inbound' }] },
      DiagnosticIds.INVALID_LIMIT,
      'write "Inbound"',
    ],
    [
      { reservedRules: [{ name: 'ssh', priority: '100', direction: 'Inbound' }] },
      DiagnosticIds.INVALID_LIMIT,
      'reservedRules[0].priority ("100") must be an integer',
    ],
    [{ ruleNamePrefix: 'a\nb' }, DiagnosticIds.INVALID_PROP, 'ruleNamePrefix'],
    [{ aggregateAddresses: 'yes' }, DiagnosticIds.INVALID_PROP, 'aggregateAddresses ("yes") must be true or false'],
    [{ activeMode: 'yes' }, DiagnosticIds.INVALID_ACTIVE_MODE, 'activeMode ("yes") must be true or false'],
    [{ clients: '10.0.0.0/8' }, DiagnosticIds.INVALID_CLIENT, 'Did you mean ["10.0.0.0/8"]'],
    [{ priority: null }, DiagnosticIds.INVALID_LIMIT, 'priority is null'],
  ])('fails on %j with %s', (props, id, text) => {
    let error: unknown;
    try {
      make(props)();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FtpsValidationError);
    expect((error as FtpsValidationError).diagnostics.map((d) => d.id)).toContain(id);
    expect((error as Error).message).toContain(text);
    expect((error as Error).message).toContain(`[${id}]`);
  });

  test('documented tags pass in any case, canonicalized; additionalServiceTags admits a new one', () => {
    const { stack } = fixture();
    new FtpsEndpoint(stack, 'Ftps', {
      ...BASE,
      ...SEED,
      clients: ['internet', 'storage.westeurope', 'AzureBrandNew'],
      additionalServiceTags: ['AzureBrandNew'],
    });
    expect(rulesOf(stack).map((r) => r.source_address_prefix)).toEqual([
      'AzureBrandNew',
      'Internet',
      'Storage.WestEurope',
    ]);
  });
});
