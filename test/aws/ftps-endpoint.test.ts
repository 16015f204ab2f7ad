import { CfnParameter, Stack, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { FtpsEndpoint } from '../../lib/aws';
import { DiagnosticIds, FtpsTls } from '../../lib/core';
import { SEED, fixture, inlineRules, resourcesOf, warningsOf } from './fixtures';
import { circularObject, expectSharedPlanFrozen } from '../support/shared-plans';

const CONTROL = { IpProtocol: 'tcp', FromPort: 21, ToPort: 21, Description: 'FTPS control (explicit)' };
const PASSIVE = { IpProtocol: 'tcp', FromPort: 50000, ToPort: 50004, Description: 'FTPS passive data 50000-50004' };
const NO_EGRESS = {
  CidrIp: '255.255.255.255/32',
  Description: 'Disallow all traffic',
  FromPort: 252,
  IpProtocol: 'icmp',
  ToPort: 86,
};

describe('FtpsEndpoint security group', () => {
  test('seed case: ingress TCP 21 and 50000-50004 from the client, and nothing else opened', () => {
    // GIVEN
    const { stack, vpc } = fixture();
    // WHEN
    new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, clients: [ec2.Peer.ipv4('203.0.113.0/24')] });
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 1);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'FTPS server: control 21 and passive data 50000-50004',
      VpcId: 'vpc-12345678',
      SecurityGroupIngress: [
        { CidrIp: '203.0.113.0/24', ...CONTROL },
        { CidrIp: '203.0.113.0/24', ...PASSIVE },
      ],
      SecurityGroupEgress: [NO_EGRESS],
    });
    expect(Object.keys(template.toJSON().Resources)).toHaveLength(1);
  });

  test('implicit TLS opens 990', () => {
    const { stack, vpc } = fixture();
    new FtpsEndpoint(stack, 'Ftps', {
      vpc,
      ...SEED,
      tls: FtpsTls.IMPLICIT,
      clients: [ec2.Peer.ipv4('203.0.113.0/24')],
    });
    expect(inlineRules(stack, 'SecurityGroupIngress')).toEqual([
      {
        CidrIp: '203.0.113.0/24',
        IpProtocol: 'tcp',
        FromPort: 990,
        ToPort: 990,
        Description: 'FTPS control (implicit)',
      },
      { CidrIp: '203.0.113.0/24', ...PASSIVE },
    ]);
  });

  test('active mode adds the egress data rule to the clients ephemeral range, and warns', () => {
    const { stack, vpc } = fixture();
    new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, activeMode: true, clients: [ec2.Peer.ipv4('203.0.113.0/24')] });
    expect(inlineRules(stack, 'SecurityGroupEgress')).toEqual([
      {
        CidrIp: '203.0.113.0/24',
        IpProtocol: 'tcp',
        FromPort: 1024,
        ToPort: 65535,
        Description: 'FTPS active data from port 20',
      },
    ]);
    expect(warningsOf(stack).map(([id]) => id)).toContain(DiagnosticIds.ACTIVE_MODE);
  });

  test('IPv6 clients get CidrIpv6 rules', () => {
    const { stack, vpc } = fixture();
    new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, clients: [ec2.Peer.ipv6('2001:db8::/32')] });
    expect(inlineRules(stack, 'SecurityGroupIngress')).toEqual([
      { CidrIpv6: '2001:db8::/32', ...CONTROL },
      { CidrIpv6: '2001:db8::/32', ...PASSIVE },
    ]);
  });

  test('prefix-list clients get SourcePrefixListId rules', () => {
    const { stack, vpc } = fixture();
    new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, clients: [ec2.Peer.prefixList('pl-12345678')] });
    const group = { 'Fn::GetAtt': [Match.stringLikeRegexp('^FtpsSecurityGroup'), 'GroupId'] };
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 2);
    template.hasResourceProperties(
      'AWS::EC2::SecurityGroupIngress',
      Match.objectEquals({ GroupId: group, SourcePrefixListId: 'pl-12345678', ...CONTROL }),
    );
    template.hasResourceProperties(
      'AWS::EC2::SecurityGroupIngress',
      Match.objectEquals({ GroupId: group, SourcePrefixListId: 'pl-12345678', ...PASSIVE }),
    );
  });

  test('a custom control port and passive range are what the rules open', () => {
    const { stack, vpc } = fixture();
    new FtpsEndpoint(stack, 'Ftps', {
      vpc,
      controlPort: 2121,
      passivePorts: { from: 40000, to: 40099 },
      clients: [ec2.Peer.ipv4('198.51.100.0/24')],
    });
    expect(inlineRules(stack, 'SecurityGroupIngress').map((r) => [r.FromPort, r.ToPort, r.Description])).toEqual([
      [2121, 2121, 'FTPS control (explicit)'],
      [40000, 40099, 'FTPS passive data 40000-40099'],
    ]);
  });

  test('bring your own security group: rules go there, no group is created', () => {
    const { stack, vpc } = fixture();
    const sg = new ec2.SecurityGroup(stack, 'Mine', { vpc, description: 'mine', allowAllOutbound: false });
    const endpoint = new FtpsEndpoint(stack, 'Ftps', {
      vpc,
      ...SEED,
      securityGroup: sg,
      clients: [ec2.Peer.ipv4('203.0.113.0/24')],
    });
    expect(endpoint.securityGroup).toBe(sg);
    Template.fromStack(stack).resourceCountIs('AWS::EC2::SecurityGroup', 1);
    expect(inlineRules(stack, 'SecurityGroupIngress', 'mine')).toHaveLength(2);
  });

  test('an imported security group gets standalone ingress resources', () => {
    const { stack, vpc } = fixture();
    const sg = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Imported', 'sg-0123456789abcdef0', {
      allowAllOutbound: false,
    });
    new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, securityGroup: sg, clients: [ec2.Peer.ipv4('203.0.113.0/24')] });
    const ingress = resourcesOf(stack, 'AWS::EC2::SecurityGroupIngress');
    expect(ingress).toEqual([
      { GroupId: 'sg-0123456789abcdef0', CidrIp: '203.0.113.0/24', ...CONTROL },
      { GroupId: 'sg-0123456789abcdef0', CidrIp: '203.0.113.0/24', ...PASSIVE },
    ]);
  });

  test('a group that allows all outbound gets no active egress rule and no CDK warning', () => {
    const { stack, vpc } = fixture();
    const sg = new ec2.SecurityGroup(stack, 'Open', { vpc, allowAllOutbound: true });
    new FtpsEndpoint(stack, 'Ftps', {
      vpc,
      ...SEED,
      activeMode: true,
      securityGroup: sg,
      clients: [ec2.Peer.ipv4('203.0.113.0/24')],
    });
    expect(inlineRules(stack, 'SecurityGroupEgress')).toEqual([
      { CidrIp: '0.0.0.0/0', Description: 'Allow all outbound traffic by default', IpProtocol: '-1' },
    ]);
    expect(warningsOf(stack).map(([id]) => id)).not.toContain('@aws-cdk/aws-ec2:ipv4IgnoreEgressRule');
  });
});

describe('FtpsEndpoint clients', () => {
  test('allowClient opens the same set for a peer added later; the same peer twice adds nothing', () => {
    const { stack, vpc } = fixture();
    const endpoint = new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, clients: [ec2.Peer.ipv4('203.0.113.0/24')] });
    endpoint.allowClient(ec2.Peer.ipv4('198.51.100.0/24'));
    endpoint.allowClient(ec2.Peer.ipv4('198.51.100.0/24'));
    endpoint.allowClient(ec2.Peer.ipv4('203.0.113.0/24'));
    endpoint.allowClient(ec2.Peer.ipv4('203.0.113.128/25')); // inside an allowed network
    expect(inlineRules(stack, 'SecurityGroupIngress').map((r) => `${r.CidrIp} ${r.FromPort}`)).toEqual([
      '203.0.113.0/24 21',
      '203.0.113.0/24 50000',
      '198.51.100.0/24 21',
      '198.51.100.0/24 50000',
    ]);
  });

  test('adjacent and nested client CIDRs given together are merged into the fewest networks', () => {
    const { stack, vpc } = fixture();
    new FtpsEndpoint(stack, 'Ftps', {
      vpc,
      ...SEED,
      clients: ['203.0.113.0/25', '203.0.113.128/25', '203.0.113.7/32']
        .map((c) => ec2.Peer.ipv4(c))
        .concat([ec2.Peer.ipv6('2001:db8::/33'), ec2.Peer.ipv6('2001:db8:8000::/33')]),
    });
    expect(inlineRules(stack, 'SecurityGroupIngress').map((r) => `${r.CidrIp ?? r.CidrIpv6} ${r.FromPort}`)).toEqual([
      '203.0.113.0/24 21',
      '203.0.113.0/24 50000',
      '2001:db8::/32 21',
      '2001:db8::/32 50000',
    ]);
  });

  test('aggregateClients: false keeps every client as given', () => {
    const { stack, vpc } = fixture();
    new FtpsEndpoint(stack, 'Ftps', {
      vpc,
      ...SEED,
      aggregateClients: false,
      clients: ['203.0.113.0/25', '203.0.113.128/25'].map((c) => ec2.Peer.ipv4(c)),
    });
    expect(inlineRules(stack, 'SecurityGroupIngress')).toHaveLength(4);
  });

  test('a security group client: ingress from it, and its own egress rules to the endpoint (client side)', () => {
    // GIVEN a client group that allows nothing outbound
    const { stack, vpc } = fixture();
    const client = new ec2.SecurityGroup(stack, 'Client', { vpc, description: 'client', allowAllOutbound: false });
    // WHEN
    new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, activeMode: true, clients: [client] });
    // THEN the server admits the client group
    const ingress = resourcesOf(stack, 'AWS::EC2::SecurityGroupIngress');
    const serverGroup = { 'Fn::GetAtt': [Match.stringLikeRegexp('^FtpsSecurityGroup'), 'GroupId'] };
    const clientGroup = { 'Fn::GetAtt': [Match.stringLikeRegexp('^Client'), 'GroupId'] };
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: serverGroup,
      SourceSecurityGroupId: clientGroup,
      ...CONTROL,
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: serverGroup,
      SourceSecurityGroupId: clientGroup,
      ...PASSIVE,
    });
    // AND the client may reach control and passive ports, and accept active data from the server
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: clientGroup,
      DestinationSecurityGroupId: serverGroup,
      ...CONTROL,
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: clientGroup,
      DestinationSecurityGroupId: serverGroup,
      ...PASSIVE,
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: clientGroup,
      SourceSecurityGroupId: serverGroup,
      IpProtocol: 'tcp',
      FromPort: 1024,
      ToPort: 65535,
      Description: 'FTPS active data from port 20',
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: serverGroup,
      DestinationSecurityGroupId: clientGroup,
      FromPort: 1024,
      ToPort: 65535,
    });
    expect(ingress).toHaveLength(3);
    expect(resourcesOf(stack, 'AWS::EC2::SecurityGroupEgress')).toHaveLength(3);
  });

  test('allowClient and connections.allowDefaultPortFrom accept an instance and an auto scaling group', () => {
    const { stack, vpc } = fixture();
    const endpoint = new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED });
    const instance = new ec2.Instance(stack, 'Client', {
      vpc,
      instanceType: new ec2.InstanceType('t3.micro'),
      machineImage: ec2.MachineImage.genericLinux({ 'us-east-1': 'ami-12345678' }),
      securityGroup: new ec2.SecurityGroup(stack, 'ClientSg', {
        vpc,
        description: 'client instance',
        allowAllOutbound: false,
      }),
    });
    const asg = new autoscaling.AutoScalingGroup(stack, 'Fleet', {
      vpc,
      instanceType: new ec2.InstanceType('t3.micro'),
      machineImage: ec2.MachineImage.genericLinux({ 'us-east-1': 'ami-12345678' }),
      allowAllOutbound: false,
    });
    Validations.of(instance).acknowledge(
      { id: 'CloudFormation-Validate::W3010', reason: 'test fixture: a fixed AZ keeps the template small' },
      { id: 'CloudFormation-Validate::W9010', reason: 'test fixture: a placeholder AMI' },
    );
    endpoint.allowClient(instance);
    endpoint.connections.allowDefaultPortFrom(asg);
    endpoint.connections.allowDefaultPortFrom(asg);
    const ingress = resourcesOf(stack, 'AWS::EC2::SecurityGroupIngress').filter((r) =>
      JSON.stringify(r.GroupId).includes('FtpsSecurityGroup'),
    );
    expect(
      ingress
        .map(
          (r) =>
            `${JSON.stringify(r.SourceSecurityGroupId).match(/"(ClientSg|Fleet)[A-Za-z]*/)![1]} ${r.FromPort}-${r.ToPort}`,
        )
        .sort(),
    ).toEqual(['ClientSg 21-21', 'ClientSg 50000-50004', 'Fleet 21-21', 'Fleet 50000-50004']);
    const egress = resourcesOf(stack, 'AWS::EC2::SecurityGroupEgress');
    expect(
      egress
        .map((r) => `${JSON.stringify(r.GroupId).match(/"(ClientSg|Fleet)[A-Za-z]*/)![1]} ${r.FromPort}-${r.ToPort}`)
        .sort(),
    ).toEqual(['ClientSg 21-21', 'ClientSg 50000-50004', 'Fleet 21-21', 'Fleet 50000-50004']);
  });

  test('connections.allowDefaultPortFromAnyIpv4 opens every FTPS port to the world, and warns', () => {
    const { stack, vpc } = fixture();
    const endpoint = new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED });
    endpoint.connections.allowDefaultPortFromAnyIpv4();
    expect(inlineRules(stack, 'SecurityGroupIngress').map((r) => `${r.CidrIp} ${r.FromPort}`)).toEqual([
      '0.0.0.0/0 21',
      '0.0.0.0/0 50000',
    ]);
    expect(warningsOf(stack).map(([id]) => id)).toContain(DiagnosticIds.WORLD_OPEN);
  });
});

describe('FtpsEndpoint network ACL', () => {
  function aclEntries(stack: Stack) {
    return resourcesOf(stack, 'AWS::EC2::NetworkAclEntry')
      .map(
        (e) =>
          `${e.Egress ? 'out' : 'in'} ${e.RuleNumber} ${e.CidrBlock ?? e.Ipv6CidrBlock} ${(e.PortRange as { From: number }).From}-${(e.PortRange as { To: number }).To} ${e.Protocol} ${e.RuleAction}`,
      )
      .sort();
  }

  test('inbound control and passive from each CIDR client, outbound replies to the ephemeral range', () => {
    const { stack, vpc } = fixture();
    const networkAcl = new ec2.NetworkAcl(stack, 'Acl', { vpc });
    new FtpsEndpoint(stack, 'Ftps', {
      vpc,
      ...SEED,
      networkAcl,
      clients: [ec2.Peer.ipv4('203.0.113.0/24'), ec2.Peer.ipv6('2001:db8::/32')],
    });
    expect(aclEntries(stack)).toEqual([
      'in 100 203.0.113.0/24 21-21 6 allow',
      'in 110 203.0.113.0/24 50000-50004 6 allow',
      'in 120 2001:db8::/32 21-21 6 allow',
      'in 130 2001:db8::/32 50000-50004 6 allow',
      'out 100 203.0.113.0/24 1024-65535 6 allow',
      'out 110 2001:db8::/32 1024-65535 6 allow',
    ]);
  });

  test('active mode adds the outbound data connection and its inbound replies to port 20', () => {
    const { stack, vpc } = fixture();
    const networkAcl = new ec2.NetworkAcl(stack, 'Acl', { vpc });
    new FtpsEndpoint(stack, 'Ftps', {
      vpc,
      ...SEED,
      activeMode: true,
      networkAcl,
      clients: [ec2.Peer.ipv4('203.0.113.0/24')],
    });
    expect(aclEntries(stack)).toEqual([
      'in 100 203.0.113.0/24 21-21 6 allow',
      'in 110 203.0.113.0/24 50000-50004 6 allow',
      'in 120 203.0.113.0/24 20-20 6 allow',
      'out 100 203.0.113.0/24 1024-65535 6 allow',
    ]);
  });

  test('rule numbers start and step as configured', () => {
    const { stack, vpc } = fixture();
    const networkAcl = ec2.NetworkAcl.fromNetworkAclId(stack, 'Acl', 'acl-12345678');
    new FtpsEndpoint(stack, 'Ftps', {
      vpc,
      ...SEED,
      networkAcl,
      networkAclRuleNumberStart: 1000,
      networkAclRuleNumberStep: 5,
      clients: [ec2.Peer.ipv4('203.0.113.0/24')],
    });
    expect(aclEntries(stack)).toEqual([
      'in 1000 203.0.113.0/24 21-21 6 allow',
      'in 1005 203.0.113.0/24 50000-50004 6 allow',
      'out 1000 203.0.113.0/24 1024-65535 6 allow',
    ]);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::NetworkAclEntry', { NetworkAclId: 'acl-12345678' });
  });

  test('fails if a rule number collides with a reserved one', () => {
    const { stack, vpc } = fixture();
    const networkAcl = new ec2.NetworkAcl(stack, 'Acl', { vpc });
    expect(
      () =>
        new FtpsEndpoint(stack, 'Ftps', {
          vpc,
          ...SEED,
          networkAcl,
          networkAclReservedRuleNumbers: [110, 150],
          clients: [ec2.Peer.ipv4('203.0.113.0/24')],
        }),
    ).toThrow(
      'Stack/Ftps: [ftps-constructs:naclRuleNumber] Network ACL rule number 110 for the inbound rule "FTPS passive data 50000-50004" for 203.0.113.0/24 collides with reserved rule number 110 (networkAclReservedRuleNumbers). Fix: set networkAclRuleNumberStart above your reserved numbers, e.g. 151.',
    );
  });

  test('fails if a rule number collides with an entry of the same ACL elsewhere in the app, naming both', () => {
    const { app, stack, vpc } = fixture();
    const networkAcl = new ec2.NetworkAcl(stack, 'Acl', { vpc });
    networkAcl.addEntry('Mine', {
      ruleNumber: 110,
      cidr: ec2.AclCidr.anyIpv4(),
      traffic: ec2.AclTraffic.allTraffic(),
      ruleAction: ec2.Action.DENY,
      direction: ec2.TrafficDirection.INGRESS,
    });
    new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, networkAcl, clients: [ec2.Peer.ipv4('203.0.113.0/24')] });
    expect(() => app.synth()).toThrow(
      /inbound rule number 110 is used by both Stack\/Acl\/Mine\/Resource and Stack\/Ftps\/.*Fix: set networkAclRuleNumberStart/,
    );
  });

  test('fails if rule numbers would exceed 32766', () => {
    const { stack, vpc } = fixture();
    const networkAcl = new ec2.NetworkAcl(stack, 'Acl', { vpc });
    expect(
      () =>
        new FtpsEndpoint(stack, 'Ftps', {
          vpc,
          ...SEED,
          networkAcl,
          networkAclRuleNumberStart: 32760,
          networkAclRuleNumberStep: 10,
          clients: [ec2.Peer.ipv4('203.0.113.0/24')],
        }),
    ).toThrow(/rule number 32770 .* exceeds 32766/);
  });

  test('fails if the ACL would hold more than 20 rules per direction, saying what to do', () => {
    const { app, stack, vpc } = fixture();
    const networkAcl = new ec2.NetworkAcl(stack, 'Acl', { vpc });
    const clients = Array.from({ length: 11 }, (_, i) => ec2.Peer.ipv4(`198.51.100.${i * 16}/28`)).filter(
      (_, i) => i % 2 === 0,
    );
    clients.push(...Array.from({ length: 6 }, (_, i) => ec2.Peer.ipv4(`203.0.113.${i * 32}/28`)));
    new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, networkAcl, clients });
    expect(() => app.synth()).toThrow(
      /Network ACL Stack\/Acl would have 24 inbound rules; the quota is 20 per direction \(networkAclRuleLimit\).*Fix: narrow the clients/,
    );
  });

  test('networkAclRuleLimit raises the ACL quota (up to 40)', () => {
    const { app, stack, vpc } = fixture();
    const networkAcl = new ec2.NetworkAcl(stack, 'Acl', { vpc });
    const clients = Array.from({ length: 12 }, (_, i) => ec2.Peer.ipv4(`198.51.100.${i * 16}/29`));
    new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, networkAcl, networkAclRuleLimit: 40, clients });
    expect(() => app.synth()).not.toThrow();
    expect(() => new FtpsEndpoint(stack, 'Ftps2', { vpc, ...SEED, networkAclRuleLimit: 41 })).toThrow(
      'networkAclRuleLimit (41) must be an integer from 1 to 40',
    );
  });

  test.each([
    [
      'a security group',
      (stack: Stack, vpc: ec2.IVpc) => new ec2.SecurityGroup(stack, 'Client', { vpc }),
      'is a security group',
    ],
    ['a prefix list', () => ec2.Peer.prefixList('pl-12345678'), 'is a prefix list'],
  ])('fails if %s client is combined with a network ACL', (_name, make, what) => {
    const { stack, vpc } = fixture();
    const networkAcl = new ec2.NetworkAcl(stack, 'Acl', { vpc });
    expect(() => new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, networkAcl, clients: [make(stack, vpc)] })).toThrow(
      new RegExp(
        `^Stack/Ftps: \\[ftps-constructs:invalidClient\\] Client .* ${what}, which a network ACL cannot express \\(NACL entries take CIDRs only\\)[.,]`,
      ),
    );
    expect(resourcesOf(stack, 'AWS::EC2::NetworkAclEntry')).toEqual([]);
  });
});

describe('FtpsEndpoint quotas (synth-time errors, never deploy-time)', () => {
  const cidrs = (n: number, octet3 = 0) =>
    Array.from({ length: n }, (_, i) => `10.${octet3 + Math.floor(i / 128)}.${(i % 128) * 2}.0/24`);

  test('fails at construction if its own clients would give the security group more than 60 IPv4 ingress rules, leaving nothing', () => {
    const { stack, vpc } = fixture();
    expect(
      () => new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, clients: cidrs(31).map((c) => ec2.Peer.ipv4(c)) }),
    ).toThrow(
      /^Stack\/Ftps: \[ftps-constructs:securityGroupRuleLimit\] The security group of Stack\/Ftps would have 62 IPv4 ingress rules; EC2 allows 60 per security group .*RulesPerSecurityGroupLimitExceeded.*Each client takes 2 rules \(21 and 50000-50004\).*Fix: narrow the clients to fewer networks; or split them over 2 FtpsEndpoint constructs/,
    );
    expect(stack.node.tryFindChild('Ftps')).toBeUndefined();
  });

  test('fails in allowClient if one more client would pass the quota, adding nothing', () => {
    const { app, stack, vpc } = fixture();
    const endpoint = new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, clients: cidrs(30).map((c) => ec2.Peer.ipv4(c)) });
    expect(() => endpoint.allowClient(ec2.Peer.ipv4('198.51.100.0/24'))).toThrow(
      /\[ftps-constructs:securityGroupRuleLimit\] The security group of Stack\/Ftps would have 62 IPv4 ingress rules/,
    );
    app.synth();
    expect(inlineRules(stack, 'SecurityGroupIngress')).toHaveLength(60);
  });

  test('counts IPv4 and IPv6 separately: 30 + 30 clients fit', () => {
    const { app, stack, vpc } = fixture();
    const v6 = Array.from({ length: 30 }, (_, i) => ec2.Peer.ipv6(`2001:db8:${(i * 2).toString(16)}::/48`));
    new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, clients: [...cidrs(30).map((c) => ec2.Peer.ipv4(c)), ...v6] });
    expect(() => app.synth()).not.toThrow();
    expect(inlineRules(stack, 'SecurityGroupIngress')).toHaveLength(120);
  });

  test('aggregation makes 1000 adjacent /32 clients fit', () => {
    const { app, stack, vpc } = fixture();
    const hosts = Array.from({ length: 1024 }, (_, i) => ec2.Peer.ipv4(`10.0.${Math.floor(i / 256)}.${i % 256}/32`));
    new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, clients: hosts });
    expect(() => app.synth()).not.toThrow();
    expect(inlineRules(stack, 'SecurityGroupIngress').map((r) => r.CidrIp)).toEqual(['10.0.0.0/22', '10.0.0.0/22']);
  });

  test('a prefix list counts its max entries against the quota', () => {
    const { app, stack, vpc } = fixture();
    const pl = new ec2.PrefixList(stack, 'Clients', { maxEntries: 30, addressFamily: ec2.AddressFamily.IP_V4 });
    new FtpsEndpoint(stack, 'Ftps', {
      vpc,
      ...SEED,
      clients: [ec2.Peer.prefixList(pl.prefixListId), ec2.Peer.ipv4('203.0.113.0/24')],
    });
    expect(() => app.synth()).toThrow(/would have 62 IPv4 ingress rules/);
  });

  test('an unknown prefix list is counted as 1, with a warning', () => {
    const { app, stack, vpc } = fixture();
    new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, clients: [ec2.Peer.prefixList('pl-12345678')] });
    app.synth();
    expect(warningsOf(stack).map(([id]) => id)).toContain('ftps-constructs:prefixListUncounted');
  });

  test.each([
    [1, 'fits'],
    [3, 'fails'],
  ])('rules other code adds to the same security group count too (%i more beside 29 clients: %s)', (extra, outcome) => {
    const { app, stack, vpc } = fixture();
    const endpoint = new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, clients: cidrs(29).map((c) => ec2.Peer.ipv4(c)) });
    for (let i = 0; i < extra; i++) {
      endpoint.securityGroup.addIngressRule(ec2.Peer.ipv4('198.51.100.0/24'), ec2.Port.tcp(8000 + i), 'admin');
    }
    if (outcome === 'fits') expect(() => app.synth()).not.toThrow();
    else expect(() => app.synth()).toThrow(/would have 61 IPv4 ingress rules/);
  });

  test('a security group with disableInlineRules is counted from its standalone ingress resources', () => {
    // GIVEN the user's own group, whose rules CDK emits as AWS::EC2::SecurityGroupIngress resources
    const { app, stack, vpc } = fixture();
    const securityGroup = new ec2.SecurityGroup(stack, 'Own', {
      vpc,
      allowAllOutbound: false,
      disableInlineRules: true,
    });
    new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, securityGroup, clients: cidrs(30).map((c) => ec2.Peer.ipv4(c)) });
    securityGroup.addIngressRule(ec2.Peer.ipv4('198.51.100.0/24'), ec2.Port.tcp(22), 'admin');
    securityGroup.addIngressRule(ec2.Peer.ipv4('198.51.100.0/24'), ec2.Port.tcp(23), 'admin');
    // THEN the 62 standalone rules are over the quota, as inline ones would be
    expect(() => app.synth()).toThrow(
      /\[Stack\/Ftps\] \[ftps-constructs:securityGroupRuleLimit\] Security group Stack\/Own would have 62 IPv4 ingress rules/,
    );
  });

  test('inline rules replaced through the L1 escape hatch are counted from what will be deployed', () => {
    // GIVEN a security group whose ingress list was overwritten with a plain array (not CDK's internal list)
    const { app, stack, vpc } = fixture();
    const endpoint = new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, clients: [ec2.Peer.ipv4('203.0.113.0/24')] });
    const cfn = endpoint.securityGroup.node.defaultChild as ec2.CfnSecurityGroup;
    cfn.securityGroupIngress = cidrs(61).map((cidrIp) => ({ ipProtocol: 'tcp', fromPort: 21, toPort: 21, cidrIp }));
    // THEN the 61 rules of that array are counted
    expect(() => app.synth()).toThrow(/would have 61 IPv4 ingress rules/);
  });

  test('securityGroupRuleLimit follows a raised quota', () => {
    const { app, stack, vpc } = fixture();
    new FtpsEndpoint(stack, 'Ftps', {
      vpc,
      ...SEED,
      securityGroupRuleLimit: 100,
      clients: cidrs(50).map((c) => ec2.Peer.ipv4(c)),
    });
    expect(() => app.synth()).not.toThrow();
  });

  test('fails if the stack would exceed 500 resources, once, naming what the endpoints hold', () => {
    // GIVEN 100 endpoints, each admitting a client security group: 5 resources each, plus the client group
    const { app, stack, vpc } = fixture();
    const client = new ec2.SecurityGroup(stack, 'Client', { vpc, allowAllOutbound: false });
    for (let i = 0; i < 100; i++) new FtpsEndpoint(stack, `Ftps${i}`, { vpc, ...SEED, clients: [client] });
    // THEN one error, from the first endpoint, before CloudFormation would refuse the stack
    const error = (() => {
      try {
        app.synth();
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(error).toMatch(
      /\[Stack\/Ftps0\] \[ftps-constructs:stackResourceLimit\] Stack Stack would have 501 resources; CloudFormation allows 500, so the deploy would fail\. Its 100 FTPS endpoints hold 300 .*Fix: give clients as CIDRs/,
    );
    expect(error.match(/would have 501 resources/g)).toHaveLength(1);
  });
});

describe('FtpsEndpoint input validation', () => {
  test('fails if passivePorts is inverted, naming the construct and the fix', () => {
    const { stack, vpc } = fixture();
    expect(() => new FtpsEndpoint(stack, 'Ftps', { vpc, passivePorts: { from: 50004, to: 50000 } })).toThrow(
      'Stack/Ftps: [ftps-constructs:invertedPortRange] passivePorts (50004-50000) is inverted: from (50004) is greater than to (50000). Fix: swap them (50000-50004).',
    );
  });

  test('fails if a client CIDR has host bits set, suggesting the network', () => {
    const { stack, vpc } = fixture();
    expect(() => new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, clients: [ec2.Peer.ipv4('203.0.113.7/24')] })).toThrow(
      'Stack/Ftps: [ftps-constructs:invalidClient] Client "203.0.113.7/24" has host bits set. Did you mean "203.0.113.0/24"?',
    );
  });

  test('fails before anything is synthesized: no half-built endpoint', () => {
    const { stack, vpc } = fixture();
    expect(
      () =>
        new FtpsEndpoint(stack, 'Ftps', {
          vpc,
          ...SEED,
          clients: [ec2.Peer.ipv4('203.0.113.0/24'), ec2.Peer.ipv4('198.51.100.1/24')],
        }),
    ).toThrow(/198\.51\.100\.1\/24/);
    // Nothing of the failed endpoint is in the tree: not its node, not its security group.
    expect(stack.node.tryFindChild('Ftps')).toBeUndefined();
    expect(resourcesOf(stack, 'AWS::EC2::SecurityGroup')).toHaveLength(0);
  });

  test('fails if a port is a token: ports must be known at synth time', () => {
    const { stack, vpc } = fixture();
    const port = new CfnParameter(stack, 'Port', { type: 'Number' });
    expect(() => new FtpsEndpoint(stack, 'Ftps', { vpc, controlPort: port.valueAsNumber, ...SEED })).toThrow(
      /controlPort is a deploy-time value \(a token\)/,
    );
  });

  test('fails if a limit prop is out of range', () => {
    const { stack, vpc } = fixture();
    expect(() => new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, networkAclRuleNumberStart: 0 })).toThrow(
      'networkAclRuleNumberStart (0) must be an integer from 1 to 32766',
    );
  });
});

describe('FtpsEndpoint tokens', () => {
  test('a client CIDR from a CfnParameter passes through, in the security group and the network ACL', () => {
    const { app, stack, vpc } = fixture();
    const cidr = new CfnParameter(stack, 'ClientCidr', { type: 'String' });
    const networkAcl = new ec2.NetworkAcl(stack, 'Acl', { vpc });
    new FtpsEndpoint(stack, 'Ftps', {
      vpc,
      ...SEED,
      networkAcl,
      clients: [ec2.Peer.ipv4(cidr.valueAsString), ec2.Peer.ipv4('203.0.113.0/24')],
    });
    expect(() => app.synth()).not.toThrow();
    expect(
      inlineRules(stack, 'SecurityGroupIngress').filter((r) => JSON.stringify(r.CidrIp) === '{"Ref":"ClientCidr"}'),
    ).toHaveLength(2);
    expect(
      resourcesOf(stack, 'AWS::EC2::NetworkAclEntry').filter(
        (e) => JSON.stringify(e.CidrBlock) === '{"Ref":"ClientCidr"}',
      ),
    ).toHaveLength(3);
  });

  test('an imported VPC from a parameter works', () => {
    const { app, stack } = fixture();
    const vpcId = new CfnParameter(stack, 'VpcId', { type: 'AWS::EC2::VPC::Id' });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc2', {
      vpcId: vpcId.valueAsString,
      availabilityZones: ['us-east-1a'],
    });
    new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, clients: [ec2.Peer.ipv4('203.0.113.0/24')] });
    app.synth();
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: { Ref: 'VpcId' } });
  });
});

describe('FtpsEndpoint warnings (acknowledgeable, stable ids)', () => {
  test.each([
    [
      'world-open IPv4',
      { clients: [ec2.Peer.anyIpv4()] },
      DiagnosticIds.WORLD_OPEN,
      'Client 0.0.0.0/0 is the whole Internet',
    ],
    [
      'world-open IPv6',
      { clients: [ec2.Peer.anyIpv6()] },
      DiagnosticIds.WORLD_OPEN,
      'Client ::/0 is the whole Internet',
    ],
    [
      'active mode',
      { activeMode: true, clients: [ec2.Peer.ipv4('203.0.113.0/24')] },
      DiagnosticIds.ACTIVE_MODE,
      'Active mode is on',
    ],
    [
      'small passive range',
      { clients: [ec2.Peer.ipv4('203.0.113.0/24')] },
      DiagnosticIds.SMALL_PASSIVE_RANGE,
      '5 passive ports (50000-50004) carry 2 with vsftpd, 5 with ProFTPD, 2 with Pure-FTPd at once',
    ],
    ['no client at all', {}, DiagnosticIds.NO_CLIENTS, 'No client is allowed: the endpoint opens nothing'],
    [
      'implicit TLS on 21',
      { tls: FtpsTls.IMPLICIT, controlPort: 21, clients: [ec2.Peer.ipv4('203.0.113.0/24')] },
      DiagnosticIds.TLS_PORT_MISMATCH,
      'Implicit TLS on port 21',
    ],
  ])('warns on %s', (_name, props, id, message) => {
    const { app, stack, vpc } = fixture();
    new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, ...props });
    app.synth();
    const warnings = warningsOf(stack, '/Stack/Ftps');
    expect(warnings).toContainEqual([id, expect.stringContaining(message)]);
  });

  test('concurrentClients: 2 on the seed range is carried by every daemon (no warning); 3 is not, with the range for it', () => {
    const { app, stack, vpc } = fixture();
    new FtpsEndpoint(stack, 'Two', { vpc, ...SEED, concurrentClients: 2, clients: [ec2.Peer.ipv4('203.0.113.0/24')] });
    new FtpsEndpoint(stack, 'Three', {
      vpc,
      ...SEED,
      concurrentClients: 3,
      clients: [ec2.Peer.ipv4('203.0.113.0/24')],
    });
    app.synth();
    expect(warningsOf(stack, '/Stack/Two')).toEqual([]);
    expect(warningsOf(stack, '/Stack/Three')).toEqual([
      [
        DiagnosticIds.SMALL_PASSIVE_RANGE,
        expect.stringContaining('concurrentClients (3) is more than the passive range carries'),
      ],
    ]);
    // It opens nothing of its own: both groups have the same ingress, that of the range.
    const groups = Object.values(Template.fromStack(stack).findResources('AWS::EC2::SecurityGroup')).map(
      (g) => g.Properties.SecurityGroupIngress,
    );
    expect(groups).toHaveLength(2);
    expect(groups[0]).toEqual(groups[1]);
    expect(groups[0].map((r: { FromPort: number; ToPort: number }) => `${r.FromPort}-${r.ToPort}`)).toEqual([
      '21-21',
      '50000-50004',
    ]);
  });

  test('a 10-port range with named clients draws no warning', () => {
    const { app, stack, vpc } = fixture();
    new FtpsEndpoint(stack, 'Ftps', {
      vpc,
      passivePorts: { from: 50000, to: 50009 },
      clients: [ec2.Peer.ipv4('203.0.113.0/24')],
    });
    app.synth();
    expect(warningsOf(stack)).toEqual([]);
  });
});

describe('FtpsEndpoint: many endpoints with the same props (one plan, shared)', () => {
  test('each has its own security group, rules and warnings', () => {
    const { app, stack, vpc } = fixture();
    new FtpsEndpoint(stack, 'A', { vpc, ...SEED, clients: [ec2.Peer.ipv4('203.0.113.0/24')] });
    new FtpsEndpoint(stack, 'B', { vpc, ...SEED, clients: [ec2.Peer.ipv4('198.51.100.0/24')] });
    app.synth();
    const groups = Template.fromStack(stack).findResources('AWS::EC2::SecurityGroup');
    expect(
      Object.entries(groups).map(([id, g]) => [
        id.replace(/[0-9A-F]{8}$/, ''),
        (g.Properties.SecurityGroupIngress as Array<{ CidrIp: string; FromPort: number }>).map(
          (r) => `${r.CidrIp} ${r.FromPort}`,
        ),
      ]),
    ).toEqual([
      ['ASecurityGroup', ['203.0.113.0/24 21', '203.0.113.0/24 50000']],
      ['BSecurityGroup', ['198.51.100.0/24 21', '198.51.100.0/24 50000']],
    ]);
    for (const path of ['/Stack/A', '/Stack/B'])
      expect(warningsOf(stack, path)).toEqual([[DiagnosticIds.SMALL_PASSIVE_RANGE, expect.any(String)]]);
  });

  test('the same options with and without a network ACL: entries only where there is one', () => {
    const { stack, vpc } = fixture();
    const networkAcl = ec2.NetworkAcl.fromNetworkAclId(stack, 'Acl', 'acl-12345678');
    const clients = [ec2.Peer.ipv4('203.0.113.0/24')];
    new FtpsEndpoint(stack, 'Without', { vpc, ...SEED, clients });
    new FtpsEndpoint(stack, 'With', { vpc, ...SEED, clients, networkAcl });
    new FtpsEndpoint(stack, 'WithoutAgain', { vpc, ...SEED, clients });
    const entries = Template.fromStack(stack).findResources('AWS::EC2::NetworkAclEntry');
    expect(Object.keys(entries).map((id) => id.replace(/[0-9A-F]{8}$/, '').slice(0, 'WithAcl'.length))).toEqual([
      'WithAcl',
      'WithAcl',
      'WithAcl',
    ]);
  });

  // A key that loses the type (JSON's NaN -> null, or String('21') === String(21)) would hand the second endpoint
  // the first one's checked plan.
  test.each([
    ['controlPort', null, NaN, /controlPort \(NaN\) must be an integer/],
    ['controlPort', 21, '21', /controlPort \("21"\) must be an integer/],
    ['securityGroupRuleLimit', 60, '60', /securityGroupRuleLimit \("60"\) must be an integer/],
  ])('%s %p is accepted, and %p after it is still rejected', (prop, valid, invalid, message) => {
    const { stack, vpc } = fixture();
    const props = { vpc, ...SEED, clients: [ec2.Peer.ipv4('203.0.113.0/24')] };
    new FtpsEndpoint(stack, 'Valid', { ...props, [prop]: valid ?? undefined });
    expect(() => new FtpsEndpoint(stack, 'Invalid', { ...props, [prop]: invalid })).toThrow(message);
  });

  // JavaScript callers can pass anything: a value the key cannot hold (circular, a class instance) skips the
  // cache and gets the same check, not a TypeError from JSON.
  test.each([
    ['a circular object', circularObject],
    ['a class instance', () => new Date(50000)],
  ])('%s in place of a port is reported, not crashed on, every time', (_what, value) => {
    const { stack, vpc } = fixture();
    const from = value() as unknown as number;
    for (const id of ['First', 'Second']) {
      expect(() => new FtpsEndpoint(stack, id, { vpc, passivePorts: { from, to: 50009 } })).toThrow(
        new RegExp(
          `^Stack/${id}: \\[ftps-constructs:invalidPort\\] passivePorts.from \\(.*\\) must be an integer from 1024 to 65535`,
        ),
      );
    }
  });

  test('an error names the endpoint that has the bad props, every time', () => {
    const { stack, vpc } = fixture();
    const bad = { vpc, passivePorts: { from: 50004, to: 50000 } };
    expect(() => new FtpsEndpoint(stack, 'First', bad)).toThrow(
      /^Stack\/First: \[ftps-constructs:invertedPortRange\] passivePorts/,
    );
    expect(() => new FtpsEndpoint(stack, 'Second', bad)).toThrow(
      /^Stack\/Second: \[ftps-constructs:invertedPortRange\] passivePorts/,
    );
  });

  test('the shared options and flows cannot be changed through one endpoint', () => {
    const { stack, vpc } = fixture();
    const props = { vpc, ...SEED, clients: [ec2.Peer.ipv4('203.0.113.0/24')] };
    const a = new FtpsEndpoint(stack, 'A', props);
    const b = new FtpsEndpoint(stack, 'B', props);
    expectSharedPlanFrozen(a, b);
  });
});

describe('FtpsEndpoint client merging keeps its word', () => {
  const pairs = (n: number) => Array.from({ length: n }, (_, i) => [`10.${i}.0.0/24`, `10.${i}.0.0/23`]).flat(); // each /24 inside its /23

  test('quotas count after merging: 30 x (/24 + the /23 holding it) is 30 networks, 60 rules, and fits', () => {
    const { app, stack, vpc } = fixture();
    new FtpsEndpoint(stack, 'Ftps', { vpc, ...SEED, clients: pairs(30).map((c) => ec2.Peer.ipv4(c)) });
    expect(() => app.synth()).not.toThrow();
    const cidrs = inlineRules(stack, 'SecurityGroupIngress').map((r) => r.CidrIp);
    expect(cidrs).toHaveLength(60);
    expect(new Set(cidrs)).toEqual(new Set(Array.from({ length: 30 }, (_, i) => `10.${i}.0.0/23`)));
  });

  test.each([true, false])(
    'aggregateClients %p: a network listed before or after the one holding it gives the same rules',
    (aggregate) => {
      const synth = (order: string[]) => {
        const { stack, vpc } = fixture();
        const networkAcl = ec2.NetworkAcl.fromNetworkAclId(stack, 'Acl', 'acl-12345678');
        new FtpsEndpoint(stack, 'Ftps', {
          vpc,
          ...SEED,
          networkAcl,
          aggregateClients: aggregate,
          clients: order.map((c) => ec2.Peer.ipv4(c)),
        });
        return Template.fromStack(stack).toJSON();
      };
      const before = synth(['198.51.100.0/24', '198.51.100.0/22', '203.0.113.0/25']);
      expect(synth(['198.51.100.0/22', '203.0.113.0/25', '198.51.100.0/24'])).toEqual(before);
      expect(synth(['203.0.113.0/25', '198.51.100.0/22', '198.51.100.0/24'])).toEqual(before);
      const entries = Object.values(
        before.Resources as Record<string, { Type: string; Properties: { CidrBlock?: string } }>,
      )
        .filter((r) => r.Type === 'AWS::EC2::NetworkAclEntry')
        .map((r) => r.Properties.CidrBlock);
      // Three entries per network (control and passive in, replies out), the /24 never among them.
      expect(new Set(entries)).toEqual(new Set(['198.51.100.0/22', '203.0.113.0/25']));
      expect(entries).toHaveLength(6);
    },
  );

  test('a catch-and-synth after a failed endpoint synthesizes nothing of it, and later checks do not crash on it', () => {
    const { app, stack, vpc } = fixture();
    const networkAcl = ec2.NetworkAcl.fromNetworkAclId(stack, 'Acl', 'acl-12345678');
    expect(
      () =>
        new FtpsEndpoint(stack, 'Bad', {
          vpc,
          ...SEED,
          networkAcl,
          networkAclReservedRuleNumbers: [110],
          clients: [ec2.Peer.ipv4('203.0.113.0/24')],
        }),
    ).toThrow(/\[ftps-constructs:naclRuleNumber\]/);
    new FtpsEndpoint(stack, 'Good', { vpc, ...SEED, clients: [ec2.Peer.ipv4('198.51.100.0/24')] });
    app.synth();
    expect(stack.node.tryFindChild('Bad')).toBeUndefined();
    expect(resourcesOf(stack, 'AWS::EC2::NetworkAclEntry')).toHaveLength(0);
    expect(resourcesOf(stack, 'AWS::EC2::SecurityGroup')).toHaveLength(1);
  });
});
