/* eslint-disable @typescript-eslint/no-explicit-any -- templates are untyped JSON read field by field */
// Composition: endpoints and clients in different stacks and apps. Every assertion reads the synthesized templates.
import * as fs from 'node:fs';
import { App, CfnOutput, Fn, NestedStack, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { FtpsEndpoint } from '../../lib/aws';
import { SEED } from './fixtures';

type Json = Record<string, any>;
const env = { account: '111111111111', region: 'us-east-1' };

function newApp() {
  return new App({ builtinCloudFormationValidation: false });
}

/** A readable line per security group rule of a template, standalone or inline, with references shown by name. */
function rules(template: Json): string[] {
  const ref = (v: any): string =>
    typeof v === 'string'
      ? v
      : v?.['Fn::GetAtt']
        ? `${v['Fn::GetAtt'][0]}`
        : v?.['Fn::ImportValue']
          ? `import(${String(v['Fn::ImportValue'])
              .replace(/ExportsOutput(FnGetAtt|Ref)/, '')
              .replace(/[0-9A-F]{8}(GroupId)?[0-9A-F]{8}$/, '')})`
          : v?.Ref
            ? `ref(${v.Ref})`
            : JSON.stringify(v);
  const out: string[] = [];
  for (const [id, r] of Object.entries<Json>(template.Resources ?? {})) {
    const p = r.Properties ?? {};
    const ports = (x: Json) => (x.FromPort === x.ToPort ? `${x.FromPort}` : `${x.FromPort}-${x.ToPort}`);
    if (r.Type === 'AWS::EC2::SecurityGroupIngress') {
      out.push(`${ref(p.GroupId)} in ${ports(p)} from ${ref(p.SourceSecurityGroupId ?? p.CidrIp)}`);
    } else if (r.Type === 'AWS::EC2::SecurityGroupEgress') {
      out.push(`${ref(p.GroupId)} out ${ports(p)} to ${ref(p.DestinationSecurityGroupId ?? p.CidrIp)}`);
    } else if (r.Type === 'AWS::EC2::SecurityGroup') {
      for (const e of p.SecurityGroupEgress ?? []) out.push(`${id} out ${e.IpProtocol} ${ports(e)} to ${e.CidrIp}`);
      for (const e of p.SecurityGroupIngress ?? []) out.push(`${id} in ${ports(e)} from ${e.CidrIp ?? e.CidrIpv6}`);
    }
  }
  return out.map((s) => s.replace(/([A-Za-z])[0-9A-F]{8}\b/g, '$1')).sort();
}

function synthAll(app: App): Record<string, Json> {
  const assembly = app.synth();
  return Object.fromEntries(assembly.stacks.map((s) => [s.stackName, s.template]));
}

function dependenciesOf(app: App, name: string): string[] {
  return app
    .synth()
    .getStackByName(name)
    .dependencies.map((d) => d.id)
    .filter((id) => !id.endsWith('.assets'))
    .sort();
}

/** The issue's layout: Main owns the VPC and the endpoint; Consumer holds a batch instance and calls allowClient. */
function mainAndConsumer(options: { activeMode?: boolean; consumerFirst?: boolean } = {}) {
  const app = newApp();
  let consumer: Stack | undefined;
  if (options.consumerFirst) consumer = new Stack(app, 'Consumer', { env });
  const main = new Stack(app, 'Main', { env });
  const vpc = new ec2.Vpc(main, 'Vpc', {
    maxAzs: 1,
    natGateways: 0,
    subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }],
  });
  const ftps = new FtpsEndpoint(main, 'Ftps', { vpc, ...SEED, activeMode: options.activeMode });
  consumer ??= new Stack(app, 'Consumer', { env });
  const batch = new ec2.Instance(consumer, 'Batch', {
    vpc,
    instanceType: new ec2.InstanceType('t3.micro'),
    machineImage: ec2.MachineImage.genericLinux({ 'us-east-1': 'ami-12345678' }),
    allowAllOutbound: false,
  });
  return { app, main, consumer, vpc, ftps, batch };
}

describe('FtpsEndpoint across stacks (AWS)', () => {
  test.each<[string, { activeMode?: boolean; consumerFirst?: boolean }]>([
    ['passive, Main first', {}],
    ['passive, Consumer first', { consumerFirst: true }],
    ['active, Main first', { activeMode: true }],
    ['active, Consumer first', { activeMode: true, consumerFirst: true }],
  ])('the issue case synthesizes with no cycle: %s', (_name, options) => {
    // GIVEN the VPC in the server's stack (the layout that failed with DependencyCycle)
    const { app, ftps, batch } = mainAndConsumer(options);
    // WHEN the consumer's code adds its instance
    ftps.allowClient(batch);
    // THEN only the consumer depends on the provider, and every FTPS rule is in the consumer's template
    const templates = synthAll(app);
    expect(dependenciesOf(app, 'Main')).toEqual([]);
    expect(dependenciesOf(app, 'Consumer')).toEqual(['Main']);
    const expected = [
      'BatchInstanceSecurityGroup out icmp 252-87 to 255.255.255.255/32',
      'BatchInstanceSecurityGroup out 21 to import(Main:FtpsSecurityGroup)',
      'BatchInstanceSecurityGroup out 50000-50004 to import(Main:FtpsSecurityGroup)',
      'import(Main:FtpsSecurityGroup) in 21 from BatchInstanceSecurityGroup',
      'import(Main:FtpsSecurityGroup) in 50000-50004 from BatchInstanceSecurityGroup',
    ];
    if (options.activeMode) {
      expected.push(
        'BatchInstanceSecurityGroup in 1024-65535 from import(Main:FtpsSecurityGroup)',
        'import(Main:FtpsSecurityGroup) out 1024-65535 to BatchInstanceSecurityGroup',
      );
    }
    expect(rules(templates.Consumer)).toEqual(expected.sort());
    // The server's template holds its group only: no rule naming the consumer.
    expect(JSON.stringify(templates.Main)).not.toContain('Batch');
    expect(rules(templates.Main)).toEqual([
      options.activeMode
        ? 'FtpsSecurityGroup out icmp 252-87 to 255.255.255.255/32'
        : 'FtpsSecurityGroup out icmp 252-86 to 255.255.255.255/32',
    ]);
  });

  test('plain CDK has the cycle this replaces (the issue case, with Connections.allowFrom)', () => {
    // GIVEN the same layout, WHEN CDK's own call opens a port, THEN synth fails: the reason this exists
    const { app, ftps, batch } = mainAndConsumer();
    ftps.securityGroup.connections.allowFrom(batch, ec2.Port.tcp(21));
    expect(() => app.synth()).toThrow(/DependencyCycle|cyclic reference/);
  });

  test('allowDefaultPortFrom opens every FTPS port, from the consumer side too', () => {
    const { app, ftps, batch } = mainAndConsumer();
    ftps.connections.allowDefaultPortFrom(batch);
    expect(rules(synthAll(app).Consumer)).toContain(
      'import(Main:FtpsSecurityGroup) in 50000-50004 from BatchInstanceSecurityGroup',
    );
  });

  test('fails if allowDefaultPortTo is used: one default port cannot carry FTPS (use endpoint.allowClient)', () => {
    const { ftps, batch } = mainAndConsumer();
    expect(() => batch.connections.allowDefaultPortTo(ftps)).toThrow(/no default port/);
  });

  test('three stacks: network, server, consumer', () => {
    const app = newApp();
    const network = new Stack(app, 'Network', { env });
    const vpc = new ec2.Vpc(network, 'Vpc', {
      maxAzs: 1,
      natGateways: 0,
      subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PUBLIC }],
    });
    const server = new Stack(app, 'Server', { env });
    const ftps = new FtpsEndpoint(server, 'Ftps', { vpc, ...SEED });
    const consumer = new Stack(app, 'Consumer', { env });
    const sg = new ec2.SecurityGroup(consumer, 'Batch', { vpc, allowAllOutbound: false });
    ftps.allowClient(sg);
    const templates = synthAll(app);
    expect(dependenciesOf(app, 'Server')).toEqual(['Network']);
    expect(dependenciesOf(app, 'Consumer')).toEqual(['Network', 'Server']);
    expect(rules(templates.Consumer)).toEqual([
      'Batch out 21 to import(Server:FtpsSecurityGroup)',
      'Batch out 50000-50004 to import(Server:FtpsSecurityGroup)',
      'Batch out icmp 252-87 to 255.255.255.255/32',
      'import(Server:FtpsSecurityGroup) in 21 from Batch',
      'import(Server:FtpsSecurityGroup) in 50000-50004 from Batch',
    ]);
  });

  test('a client in a stack the server stack depends on: rules go with the server', () => {
    // GIVEN a bastion in the network stack, which the server's stack is declared to depend on
    const app = newApp();
    const network = new Stack(app, 'Network', { env });
    const vpc = new ec2.Vpc(network, 'Vpc', {
      maxAzs: 1,
      natGateways: 0,
      subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PUBLIC }],
    });
    const bastion = new ec2.SecurityGroup(network, 'Bastion', { vpc, allowAllOutbound: false });
    const server = new Stack(app, 'Server', { env });
    server.addStackDependency(network);
    const ftps = new FtpsEndpoint(server, 'Ftps', { vpc, ...SEED, clients: [bastion] });
    const templates = synthAll(app);
    expect(dependenciesOf(app, 'Network')).toEqual([]);
    expect(rules(templates.Server)).toEqual([
      'FtpsSecurityGroup in 21 from import(Network:Bastion)',
      'FtpsSecurityGroup in 50000-50004 from import(Network:Bastion)',
      'FtpsSecurityGroup out icmp 252-86 to 255.255.255.255/32',
      'import(Network:Bastion) out 21 to FtpsSecurityGroup',
      'import(Network:Bastion) out 50000-50004 to FtpsSecurityGroup',
    ]);
    // The bastion's group template must state an egress rule, or EC2 gives it allow-all at creation.
    expect(rules(templates.Network)).toContain('Bastion out icmp 252-87 to 255.255.255.255/32');
    expect(ftps.options.passivePorts).toEqual(SEED.passivePorts);
  });

  test('a client in a nested stack of the consumer', () => {
    const { app, ftps, vpc, consumer } = mainAndConsumer();
    const nested = new NestedStack(consumer, 'Team');
    const sg = new ec2.SecurityGroup(nested, 'Worker', { vpc, allowAllOutbound: false });
    ftps.allowClient(sg);
    const assembly = app.synth();
    const nestedTemplate = JSON.parse(fs.readFileSync(`${assembly.directory}/${nested.templateFile}`, 'utf8'));
    expect(rules(nestedTemplate)).toEqual([
      'Worker out 21 to import(Main:FtpsSecurityGroup)',
      'Worker out 50000-50004 to import(Main:FtpsSecurityGroup)',
      'Worker out icmp 252-87 to 255.255.255.255/32',
      'import(Main:FtpsSecurityGroup) in 21 from Worker',
      'import(Main:FtpsSecurityGroup) in 50000-50004 from Worker',
    ]);
    expect(dependenciesOf(app, 'Main')).toEqual([]);
  });

  test('an imported client group: rules on it when mutable, none when not', () => {
    const { app, ftps, consumer } = mainAndConsumer();
    ftps.allowClient(
      ec2.SecurityGroup.fromSecurityGroupId(consumer, 'Legacy', 'sg-0123456789abcdef0', { allowAllOutbound: false }),
    );
    ftps.allowClient(
      ec2.SecurityGroup.fromSecurityGroupId(consumer, 'Frozen', 'sg-0fedcba9876543210', { mutable: false }),
    );
    expect(rules(synthAll(app).Consumer)).toEqual([
      'BatchInstanceSecurityGroup out icmp 252-86 to 255.255.255.255/32',
      'import(Main:FtpsSecurityGroup) in 21 from sg-0123456789abcdef0',
      'import(Main:FtpsSecurityGroup) in 21 from sg-0fedcba9876543210',
      'import(Main:FtpsSecurityGroup) in 50000-50004 from sg-0123456789abcdef0',
      'import(Main:FtpsSecurityGroup) in 50000-50004 from sg-0fedcba9876543210',
      'sg-0123456789abcdef0 out 21 to import(Main:FtpsSecurityGroup)',
      'sg-0123456789abcdef0 out 50000-50004 to import(Main:FtpsSecurityGroup)',
    ]);
  });
});

describe('FtpsEndpoint from elsewhere (another app or account)', () => {
  test('exportAttributes exports the group under a name carrying the options; the consumer imports the same name', () => {
    // GIVEN the owner's app
    const owner = newApp();
    const ownerStack = new Stack(owner, 'Ftps', { env });
    const vpc = ec2.Vpc.fromVpcAttributes(ownerStack, 'Vpc', {
      vpcId: 'vpc-12345678',
      availabilityZones: ['us-east-1a'],
    });
    const endpoint = new FtpsEndpoint(ownerStack, 'Endpoint', { vpc, ...SEED });
    const name = endpoint.exportAttributes('Ftps-Prod');
    expect(name).toMatch(/^Ftps-Prod-ftps-[0-9a-f]{10}$/);
    const outputs = synthAll(owner).Ftps.Outputs as Json;
    expect(Object.values(outputs).map((o) => o.Export.Name)).toEqual([name]);

    // WHEN a consumer app imports it with the same options
    const app = newApp();
    const stack = new Stack(app, 'Consumer', { env });
    const cvpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-12345678', availabilityZones: ['us-east-1a'] });
    const imported = FtpsEndpoint.fromEndpointAttributes(stack, 'Ftps', { exportPrefix: 'Ftps-Prod', ...SEED });
    imported.allowClient(new ec2.SecurityGroup(stack, 'Batch', { vpc: cvpc, allowAllOutbound: false }));
    imported.allowClient(ec2.Peer.ipv4('198.51.100.0/24'));
    // THEN its rules import exactly the exported name
    expect(rules(synthAll(app).Consumer)).toEqual([
      `Batch out 21 to import(${name})`,
      `Batch out 50000-50004 to import(${name})`,
      'Batch out icmp 252-87 to 255.255.255.255/32',
      `import(${name}) in 21 from 198.51.100.0/24`,
      `import(${name}) in 21 from Batch`,
      `import(${name}) in 50000-50004 from 198.51.100.0/24`,
      `import(${name}) in 50000-50004 from Batch`,
    ]);
    // AND other options make another name: the consumer's deploy would fail rather than open other ports
    const drifted = FtpsEndpoint.fromEndpointAttributes(stack, 'Drifted', {
      exportPrefix: 'Ftps-Prod',
      passivePorts: { from: 50000, to: 50009 },
    });
    expect(stack.resolve(drifted.securityGroup.securityGroupId)).not.toEqual({ 'Fn::ImportValue': name });
  });

  test('attributes() carries the options with the group id, for fromEndpointAttributes', () => {
    const app = newApp();
    const main = new Stack(app, 'Main', { env });
    const vpc = ec2.Vpc.fromVpcAttributes(main, 'Vpc', { vpcId: 'vpc-12345678', availabilityZones: ['us-east-1a'] });
    const endpoint = new FtpsEndpoint(main, 'Ftps', { vpc, ...SEED, activeMode: true });
    const attrs = endpoint.attributes();
    expect({ ...attrs, securityGroupId: undefined }).toEqual({
      securityGroupId: undefined,
      tls: 'explicit',
      controlPort: 21,
      passivePorts: { from: 50000, to: 50004 },
      activeMode: true,
      clientPorts: { from: 1024, to: 65535 },
    });
    const other = new Stack(app, 'Other', { env });
    const imported = FtpsEndpoint.fromEndpointAttributes(other, 'Ftps', attrs);
    imported.allowClient(ec2.Peer.ipv4('203.0.113.7/32'));
    expect(rules(synthAll(app).Other)).toEqual([
      'import(Main:FtpsSecurityGroup) in 21 from 203.0.113.7/32',
      'import(Main:FtpsSecurityGroup) in 50000-50004 from 203.0.113.7/32',
      'import(Main:FtpsSecurityGroup) out 1024-65535 to 203.0.113.7/32',
    ]);
  });

  test('an immutable imported endpoint gets only the client side', () => {
    const app = newApp();
    const stack = new Stack(app, 'Consumer', { env });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-12345678', availabilityZones: ['us-east-1a'] });
    const imported = FtpsEndpoint.fromEndpointAttributes(stack, 'Ftps', {
      securityGroupId: 'sg-0123456789abcdef0',
      mutable: false,
      ...SEED,
    });
    imported.allowClient(new ec2.SecurityGroup(stack, 'Batch', { vpc, allowAllOutbound: false }));
    expect(rules(synthAll(app).Consumer)).toEqual([
      'Batch out 21 to sg-0123456789abcdef0',
      'Batch out 50000-50004 to sg-0123456789abcdef0',
      'Batch out icmp 252-87 to 255.255.255.255/32',
    ]);
    expect(() => imported.allowClient(ec2.Peer.ipv4('203.0.113.0/24'))).toThrow(
      /\[ftps-constructs:invalidClient\] Client 203\.0\.113\.0\/24 has no security group of this app, and the imported endpoint group is immutable/,
    );
  });

  test.each([
    ['neither id nor prefix', { ...SEED }, /Neither securityGroupId nor exportPrefix is given/],
    ['both', { ...SEED, securityGroupId: 'sg-0123456789abcdef0', exportPrefix: 'P' }, /both given/],
    [
      'a malformed id',
      { ...SEED, securityGroupId: 'sg-xyz' },
      /securityGroupId \("sg-xyz"\) is not a security group id/,
    ],
    [
      'a prefix with a space',
      { ...SEED, exportPrefix: 'my prefix' },
      /exportPrefix \("my prefix"\) is not a CloudFormation export name/,
    ],
    [
      'a bad range, with the id problem in the same error',
      { securityGroupId: 7, passivePorts: { from: 5, to: 1 } },
      /^(?=[\s\S]*securityGroupId \(7\) must be a string)(?=[\s\S]*passivePorts \(5-1\) is inverted)/,
    ],
  ])('fails if the attributes have %s, and nothing is added', (_name, attrs, message) => {
    const app = newApp();
    const stack = new Stack(app, 'Consumer', { env });
    expect(() => FtpsEndpoint.fromEndpointAttributes(stack, 'Ftps', attrs as never)).toThrow(message);
    expect(stack.node.tryFindChild('Ftps')).toBeUndefined();
  });

  test('fails if the export prefix is not an export name', () => {
    const { ftps } = mainAndConsumer();
    expect(() => ftps.exportAttributes('a/b')).toThrow(/\[ftps-constructs:invalidProp\] prefix \("a\/b"\)/);
    expect(() => ftps.exportAttributes(Fn.importValue('x'))).toThrow(/deploy-time value/);
  });
});

describe('A network ACL and a security-group client', () => {
  function withAcl() {
    const app = newApp();
    const stack = new Stack(app, 'Main', { env });
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 1,
      natGateways: 0,
      ipAddresses: ec2.IpAddresses.cidr('10.1.0.0/16'),
      subnetConfiguration: [
        { name: 'ftps', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'batch', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });
    const networkAcl = new ec2.NetworkAcl(stack, 'Acl', { vpc });
    const ftps = new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, networkAcl });
    return { app, stack, vpc, ftps };
  }
  const entries = (t: Json) =>
    Object.values<Json>(t.Resources)
      .filter((r) => r.Type === 'AWS::EC2::NetworkAclEntry')
      .map(
        (r) =>
          `${r.Properties.Egress ? 'out' : 'in'} ${r.Properties.RuleNumber} ${r.Properties.CidrBlock} ${r.Properties.PortRange.From}-${r.Properties.PortRange.To}`,
      )
      .sort();

  test('the subnets given are admitted by CIDR, the group by its rules', () => {
    const { app, vpc, ftps } = withAcl();
    const batch = new ec2.SecurityGroup(app.node.findChild('Main'), 'Batch', { vpc, allowAllOutbound: false });
    ftps.allowClient(batch, { subnets: vpc.selectSubnets({ subnetGroupName: 'batch' }).subnets });
    const t = synthAll(app).Main;
    expect(entries(t)).toEqual([
      'in 100 10.1.1.0/24 21-21',
      'in 110 10.1.1.0/24 50000-50004',
      'out 100 10.1.1.0/24 1024-65535',
    ]);
    expect(rules(t)).toContain('FtpsSecurityGroup in 50000-50004 from Batch');
  });

  test('an instance in a subnet of the VPC is admitted by its subnet without being told; two in it add nothing more', () => {
    const { app, stack, vpc, ftps } = withAcl();
    const make = (id: string) =>
      new ec2.Instance(stack, id, {
        vpc,
        vpcSubnets: { subnetGroupName: 'batch' },
        instanceType: new ec2.InstanceType('t3.micro'),
        machineImage: ec2.MachineImage.genericLinux({ 'us-east-1': 'ami-12345678' }),
      });
    ftps.allowClient(make('One'));
    ftps.allowClient(make('Two'));
    expect(entries(synthAll(app).Main)).toEqual([
      'in 100 10.1.1.0/24 21-21',
      'in 110 10.1.1.0/24 50000-50004',
      'out 100 10.1.1.0/24 1024-65535',
    ]);
  });

  test('fails if a security group client has no known subnets, naming the call that works', () => {
    const { stack, vpc, ftps } = withAcl();
    const sg = new ec2.SecurityGroup(stack, 'Batch', { vpc });
    expect(() => ftps.allowClient(sg)).toThrow(
      /its subnets are not known here[\s\S]*Fix: pass the client's subnets: endpoint\.allowClient\(client, \{ subnets:/,
    );
    expect(
      Object.values(synthAll(stack.node.root as App).Main.Resources).filter(
        (r: any) => r.Type === 'AWS::EC2::NetworkAclEntry',
      ),
    ).toEqual([]);
  });

  test.each([[null], ['subnet-1'], [[]]])(
    'fails if the allowClient options are %p, and nothing is added',
    (options) => {
      const { app, stack, vpc, ftps } = withAcl();
      const sg = new ec2.SecurityGroup(stack, 'Batch', { vpc });
      expect(() => ftps.allowClient(sg, options as never)).toThrow(
        /\[ftps-constructs:invalidProp\] allowClient options \(.*\) must be an object/,
      );
      expect(
        Object.values(synthAll(app).Main.Resources).filter((r: any) => r.Type === 'AWS::EC2::SecurityGroupIngress'),
      ).toEqual([]);
    },
  );

  test('fails if a given subnet has no known CIDR', () => {
    const { stack, vpc, ftps } = withAcl();
    const sg = new ec2.SecurityGroup(stack, 'Batch', { vpc });
    const subnet = ec2.Subnet.fromSubnetId(stack, 'Imported', 'subnet-11111111');
    expect(() => ftps.allowClient(sg, { subnets: [subnet] })).toThrow(/has no known IPv4 CIDR/);
  });
});

test('CfnOutput is the only thing exportAttributes adds, once per prefix', () => {
  const { app, ftps } = mainAndConsumer();
  ftps.exportAttributes('P');
  ftps.exportAttributes('P');
  const outputs = Object.values<Json>((synthAll(app).Main.Outputs ?? {}) as Json).filter((o) =>
    o.Export?.Name?.startsWith('P-'),
  );
  expect(outputs).toHaveLength(1);
  expect(CfnOutput).toBeDefined();
});
