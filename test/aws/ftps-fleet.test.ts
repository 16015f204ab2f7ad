import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { FtpsFleet, FtpsFleetProps } from '../../lib/aws';
import { FtpsTls, FtpsValidationError } from '../../lib/core';
import { bootScriptConf, confEntries, scriptSyntaxErrors } from '../support/terraform-custom-data';
import { cfnText, fleetFixture, warningsOf } from './fixtures';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const CLIENT = ec2.Peer.ipv4('203.0.113.0/24');

function fleet(overrides: Partial<FtpsFleetProps> = {}) {
  const { stack, vpc } = fleetFixture();
  const f = new FtpsFleet(stack, 'Fleet', {
    vpc,
    backends: 2,
    passivePorts: { from: 50000, to: 50009 },
    concurrentClients: 4,
    clients: [CLIENT],
    certificateSecret: secretsmanager.Secret.fromSecretCompleteArn(
      stack,
      'Cert',
      'arn:aws:secretsmanager:us-east-1:111111111111:secret:ftps/cert-AbCdEf',
    ),
    usersSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Users', 'ftps/users'),
    ...overrides,
  });
  return { stack, fleet: f, template: Template.fromStack(stack).toJSON() as { Resources: Json } };
}

const ofType = (t: { Resources: Json }, type: string): Array<[string, Json]> =>
  Object.entries<Json>(t.Resources).filter(([, r]) => r.Type === type);

/** Each instance's vsftpd.conf, by logical id, read from its user data. */
function confs(t: { Resources: Json }): Record<string, Record<string, string>> {
  return Object.fromEntries(
    ofType(t, 'AWS::EC2::Instance').map(([id, r]) => [id, confEntries(bootScriptConf(cfnText(r.Properties.UserData)))]),
  );
}

/** The balancer as the template wires it: listener port -> the instances its target group holds. */
function forwarding(t: { Resources: Json }): Record<string, string[]> {
  const groups = Object.fromEntries(ofType(t, 'AWS::ElasticLoadBalancingV2::TargetGroup'));
  const out: Record<string, string[]> = {};
  for (const [, l] of ofType(t, 'AWS::ElasticLoadBalancingV2::Listener')) {
    const [action] = l.Properties.DefaultActions;
    const group = groups[action.TargetGroupArn.Ref];
    expect(group.Properties.Port).toBe(l.Properties.Port); // the port reaches the backend unchanged
    out[l.Properties.Port] = group.Properties.Targets.map((x: Json) => x.Id.Ref);
  }
  return out;
}

describe('AWS FtpsFleet: every passive port reaches the backend that advertises it', () => {
  test('the listeners, read from the template: control to both backends, each passive port to its owner', () => {
    const { template } = fleet();
    const table = forwarding(template);
    const conf = confs(template);
    const instances = Object.keys(conf);
    expect(instances).toHaveLength(2);
    expect(table['21'].sort()).toEqual([...instances].sort());
    const passive = Object.keys(table).filter((p) => p !== '21');
    expect(passive.map(Number).sort()).toEqual([50000, 50001, 50002, 50003, 50004, 50005, 50006, 50007, 50008, 50009]);
    for (const port of passive) {
      // The one target is the instance whose own vsftpd.conf offers that port; no other instance offers it.
      expect(table[port]).toHaveLength(1);
      const offering = instances.filter(
        (i) => Number(conf[i].pasv_min_port) <= Number(port) && Number(port) <= Number(conf[i].pasv_max_port),
      );
      expect(offering).toEqual(table[port]);
    }
    // Reviewed: which backend each listener reaches (logical ids shortened to the backend's index).
    const short = (id: string) => id.replace(/^FleetBackend(\d)Instance.*$/, 'backend $1');
    expect(Object.fromEntries(Object.entries(table).map(([p, ids]) => [p, ids.map(short).sort()]))).toMatchSnapshot();
  });

  test('every backend advertises the first Elastic IP, keeps TLS and its own cap; the balancer passes TCP through', () => {
    const { template } = fleet();
    const [eip0] = ofType(template, 'AWS::EC2::EIP')[0];
    for (const conf of Object.values(confs(template))) {
      expect(conf).toMatchObject({
        pasv_address: `{GetAtt:${eip0}.PublicIp}`,
        ssl_enable: 'YES',
        force_local_data_ssl: 'YES',
        max_clients: '2',
      });
      // The data connection must come from the control connection's client: the balancer preserves it.
      expect(conf.pasv_promiscuous ?? 'NO').toBe('NO');
    }
    const [[, lb]] = ofType(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(lb.Properties).toMatchObject({ Scheme: 'internet-facing', Type: 'network' });
    expect(lb.Properties.LoadBalancerAttributes).toContainEqual({
      Key: 'load_balancing.cross_zone.enabled',
      Value: 'true',
    });
    expect(lb.Properties.SubnetMappings.map((m: Json) => m.AllocationId['Fn::GetAtt'][0])).toEqual(
      ofType(template, 'AWS::EC2::EIP').map(([id]) => id),
    );
    expect(lb.Properties.SecurityGroups).toBeUndefined();
    for (const [, l] of ofType(template, 'AWS::ElasticLoadBalancingV2::Listener'))
      expect(l.Properties.Protocol).toBe('TCP');
    for (const [, g] of ofType(template, 'AWS::ElasticLoadBalancingV2::TargetGroup')) {
      expect(g.Properties).toMatchObject({ Protocol: 'TCP', HealthCheckProtocol: 'TCP', HealthCheckPort: '21' });
      // Checks are brief sessions against the cap: often for the control port's group, seldom for the others.
      expect(g.Properties.HealthCheckIntervalSeconds).toBe(g.Properties.Port === 21 ? 10 : 30);
      expect(g.Properties.TargetGroupAttributes).toContainEqual({ Key: 'preserve_client_ip.enabled', Value: 'true' });
    }
  });

  test("each backend's group admits the clients on 21 and its own sub-range only, and health checks from the balancer's subnets", () => {
    const { template } = fleet();
    const groups = ofType(template, 'AWS::EC2::SecurityGroup').filter(([id]) => /Endpoint/.test(id));
    const rules = groups.map(([, g]) =>
      g.Properties.SecurityGroupIngress.map((r: Json) => `${r.CidrIp} ${r.FromPort}-${r.ToPort}`),
    );
    expect(rules).toEqual([
      ['203.0.113.0/24 21-21', '203.0.113.0/24 50000-50004', '198.51.100.192/27 21-21', '198.51.100.224/27 21-21'],
      ['203.0.113.0/24 21-21', '203.0.113.0/24 50005-50009', '198.51.100.192/27 21-21', '198.51.100.224/27 21-21'],
    ]);
  });

  test('the shared EFS: encrypted, TLS only, NFS from the backends only, mounted before the daemon starts', () => {
    const { template } = fleet();
    const [[fsId, fs]] = ofType(template, 'AWS::EFS::FileSystem');
    expect(fs.Properties.Encrypted).toBe(true);
    // Denied without TLS; the other statement is EFS's own "prevent anonymous access" (IAM clients only).
    expect(fs.Properties.FileSystemPolicy.Statement).toEqual([
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      expect.objectContaining({
        Effect: 'Allow',
        Condition: { Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' } },
      }),
    ]);
    expect(fs.DeletionPolicy).toBe('Retain');
    const admins = ofType(template, 'AWS::EC2::SecurityGroup')
      .filter(([id]) => /AdminSecurityGroup/.test(id))
      .map(([id]) => id);
    const nfsIn = ofType(template, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties);
    expect(nfsIn.map((r) => [r.FromPort, r.ToPort, r.SourceSecurityGroupId['Fn::GetAtt'][0]])).toEqual(
      admins.map((a) => [2049, 2049, a]),
    );
    for (const [, i] of ofType(template, 'AWS::EC2::Instance')) {
      expect(i.DependsOn.some((d: string) => /FileSystemEfsMountTarget/.test(d))).toBe(true);
      const script = cfnText(i.Properties.UserData);
      expect(scriptSyntaxErrors(script)).toEqual([]);
      const mount = script.indexOf("mount '/srv/ftps'");
      expect(script).toContain("printf '%s %s efs _netdev,tls,iam 0 0\\n'");
      // The file system id is a deploy-time value: quoted by its value (base64 decoded at boot), never spliced.
      expect(script).toContain(Buffer.from(`{Ref:${fsId}}:/`).toString('base64'));
      expect(mount).toBeGreaterThan(script.indexOf('dnf install -y amazon-efs-utils'));
      expect(mount).toBeLessThan(script.indexOf('useradd'));
      expect(mount).toBeLessThan(script.indexOf('systemctl restart vsftpd'));
      // Same user ids on every backend: the homes on the shared file system have one owner.
      expect(script).toContain('wanted = 20000 + zlib.crc32(name.encode()) % 40000');
    }
    const policies = ofType(template, 'AWS::IAM::Policy').map(([, p]) => JSON.stringify(p.Properties.PolicyDocument));
    expect(policies.filter((p) => p.includes('elasticfilesystem:ClientRootAccess'))).toHaveLength(2);
  });

  test('implicit TLS: the control listener and the health checks are on 990', () => {
    const { template } = fleet({ tls: FtpsTls.IMPLICIT });
    expect(Object.keys(forwarding(template))).toContain('990');
    expect(Object.keys(forwarding(template))).not.toContain('21');
  });

  test('the fleet carries the sum of its backends: 4 sessions with vsftpd, no warning for concurrentClients 4', () => {
    const { stack, fleet: f } = fleet();
    expect(f.plan.sessionsCarried.vsftpd).toBe(4);
    expect(warningsOf(stack)).toEqual([]);
    const more = fleet({ concurrentClients: 6 });
    expect(warningsOf(more.stack).map(([id]) => id)).toEqual([
      'ftps-constructs:smallPassiveRange',
      'ftps-constructs:smallPassiveRange',
    ]);
  });
});

describe('AWS FtpsFleet: what it refuses, before anything is added', () => {
  const cases: Array<[string, (stack: Stack, vpc: ec2.IVpc) => Partial<FtpsFleetProps>, RegExp]> = [
    [
      'more passive ports than NLB listeners',
      () => ({ passivePorts: { from: 50000, to: 50049 } }),
      /\[ftps-constructs:loadBalancerLimit\] 2 backends with 50 passive ports in all need 51 Network Load Balancer listeners.*at most 24 passive ports per backend/,
    ],
    [
      'ProFTPD (no TLS EFS mount on Ubuntu)',
      () => ({ daemon: 'proftpd' }),
      /\[ftps-constructs:invalidFleet\] daemon "proftpd"/,
    ],
    [
      'one shared security group',
      (stack) => ({ securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-12345678') }),
      /\[ftps-constructs:invalidFleet\] securityGroup/,
    ],
    [
      'a network ACL',
      (stack) => ({ networkAcl: ec2.NetworkAcl.fromNetworkAclId(stack, 'Acl', 'acl-12345678') }),
      /\[ftps-constructs:invalidFleet\] networkAcl/,
    ],
    ['no backend', () => ({ backends: 0 }), /\[ftps-constructs:invalidFleet\] backends \(0\)/],
    ['active mode', () => ({ activeMode: true }), /\[ftps-constructs:invalidFleet\] activeMode: true in a fleet/],
    [
      'a file system of the wrong type',
      () => ({ fileSystem: {} as efs.IFileSystem }),
      /fileSystem \(\{\}\) is not an EFS/,
    ],
    [
      'no public subnet for the balancer',
      (_stack, vpc) => ({ loadBalancerSubnets: { subnetGroupName: 'nonexistent' }, vpc }),
      /\[ftps-constructs:invalidProp\] loadBalancerSubnets: no subnet/,
    ],
    [
      'no subnet for the backends',
      () => ({ vpcSubnets: { subnetGroupName: 'nonexistent' } }),
      /\[ftps-constructs:invalidProp\] vpcSubnets: no subnet for the backends/,
    ],
  ];
  test.each(cases)('%s', (_name, make, message) => {
    const { stack, vpc } = fleetFixture();
    const before = stack.node.findAll().length;
    const props = {
      vpc,
      backends: 2,
      passivePorts: { from: 50000, to: 50009 },
      clients: [CLIENT],
      selfSignedCertificate: true,
      usersSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Users', 'ftps/users'),
    };
    const extra = make(stack, vpc);
    const count = stack.node.findAll().length;
    expect(count).toBeGreaterThan(before - 1);
    let error: unknown;
    try {
      new FtpsFleet(stack, 'Fleet', { ...props, ...extra });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FtpsValidationError);
    expect((error as Error).message).toMatch(/^Stack\/Fleet: /);
    expect((error as Error).message).toMatch(message);
    expect(stack.node.findAll().length).toBe(count);
  });
});
