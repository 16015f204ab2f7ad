import { App as CdkApp, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { App as TfApp } from 'cdktf';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FtpsExampleStack } from '../../bin/aws-example-stack';
import { FtpsAzureExampleStack } from '../../bin/azure-example-stack';
import { SEED_CLIENTS, SEED_OPTIONS } from '../../bin/example';
import { FtpsEndpoint } from '../../lib/aws';
import { run } from '../../lib/cli/main';
import { buildWorksheet } from '../../lib/core';

function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ftps-report-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// GIVEN the example stacks synthesized as users do
const cdkOut = path.join(tmp, 'cdk.out');
const cdktfOut = path.join(tmp, 'cdktf.out');
beforeAll(() => {
  const app = new CdkApp({ outdir: cdkOut });
  new FtpsExampleStack(app, 'FtpsExample');
  app.synth();
  const tf = new TfApp({ outdir: cdktfOut });
  new FtpsAzureExampleStack(tf, 'ftps-azure-example');
  tf.synth();
});

const write = (name: string, value: unknown) => {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
};
/** The same file name in another directory (a second synthesis). */
const write2 = (name: string, value: unknown) => {
  fs.mkdirSync(path.join(tmp, 'second'), { recursive: true });
  return write(path.join('second', name), value);
};

/** Inbound TCP allows as "ports from peer", sorted. */
function inboundTcp(json: string): string[] {
  return (
    JSON.parse(json).openings as Array<{
      direction: string;
      protocol: string;
      action: string;
      ports?: { from: number; to: number };
      peer: string;
    }>
  )
    .filter((o) => o.direction === 'inbound' && o.protocol === 'tcp' && o.action === 'allow')
    .map((o) => `${o.ports!.from === o.ports!.to ? o.ports!.from : `${o.ports!.from}-${o.ports!.to}`} from ${o.peer}`)
    .sort();
}

describe('ftps-rules report', () => {
  test('cdk.out of the AWS example: the seed openings, nothing flagged', () => {
    const r = cli('report', cdkOut);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      '| FtpsExample/FtpsSecurityGroup7A13FF6A | security group | inbound | TCP | 21 | 203.0.113.0/24 | allow | yes |  |  | FTPS control (explicit) |',
    );
    expect(r.stdout).toContain('| inbound | TCP | 50000-50004 | 203.0.113.0/24 | allow |');
    expect(r.stdout).toContain('0 open to the world; 0 inbound wider than 1000 ports.');
  });

  test('cdktf.out of the Azure example: the seed openings, with the NSG name and priority', () => {
    const r = cli('report', cdktfOut, '--format', 'json');
    expect(r.code).toBe(0);
    const openings = JSON.parse(r.stdout).openings;
    expect(openings.map((o: { group: string; order: number }) => [o.group, o.order])).toEqual([
      ['ftps-nsg', 100],
      ['ftps-nsg', 100],
    ]);
  });

  test('the worksheet and the reports of both example stacks list the same openings', () => {
    const ws = buildWorksheet({ options: SEED_OPTIONS, clients: SEED_CLIENTS });
    const fromWorksheet = ws.rows
      .filter((r) => r.neededBy === 'both' && r.direction === 'inbound')
      .map((r) => `${r.destinationPorts} from ${r.source}`)
      .sort();
    expect(fromWorksheet).toEqual(['21 from 203.0.113.0/24', '50000-50004 from 203.0.113.0/24']);
    expect(inboundTcp(cli('report', cdkOut, '--format', 'json').stdout)).toEqual(fromWorksheet);
    expect(inboundTcp(cli('report', cdktfOut, '--format', 'json').stdout)).toEqual(fromWorksheet);
  });

  test('a hand-written template with unrelated rules: every opening, world-open and wide ones flagged', () => {
    const file = write('unrelated.template.json', {
      Resources: {
        Web: {
          Type: 'AWS::EC2::SecurityGroup',
          Metadata: { 'aws:cdk:path': 'App/Web/Resource' },
          Properties: {
            GroupDescription: 'web',
            SecurityGroupIngress: [
              { CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 },
              { CidrIpv6: '::/0', IpProtocol: '-1' },
              { CidrIp: '198.51.100.0/24', IpProtocol: 'tcp', FromPort: 1024, ToPort: 65535 },
            ],
          },
        },
        Ssh: {
          Type: 'AWS::EC2::SecurityGroupIngress',
          Properties: {
            GroupId: { 'Fn::GetAtt': ['Web', 'GroupId'] },
            SourceSecurityGroupId: 'sg-0bastion',
            IpProtocol: 'tcp',
            FromPort: 22,
            ToPort: 22,
          },
        },
        Deny: {
          Type: 'AWS::EC2::NetworkAclEntry',
          Properties: {
            NetworkAclId: 'acl-1',
            RuleNumber: 90,
            Protocol: -1,
            RuleAction: 'deny',
            Egress: false,
            CidrBlock: '0.0.0.0/0',
          },
        },
        Bucket: { Type: 'AWS::S3::Bucket' },
      },
    });
    const r = cli('report', file, '--format', 'csv');
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\r\n');
    expect(rows[0]).toBe('resource,firewall,direction,protocol,ports,peer,action,stateful,order,flags,description');
    expect(rows.slice(1)).toEqual([
      'App/Web/Resource,security group,inbound,TCP,443,0.0.0.0/0,allow,yes,,⚠ world-open,',
      'App/Web/Resource,security group,inbound,ALL,all,::/0,allow,yes,,"⚠ world-open, ⚠ wide (>1000 ports)",',
      'App/Web/Resource,security group,inbound,TCP,1024-65535,198.51.100.0/24,allow,yes,,⚠ wide (>1000 ports),',
      'App/Web/Resource,security group,outbound,ALL,all,0.0.0.0/0,allow,yes,,⚠ world-open,EC2 default egress (no egress rules given)',
      'unrelated/Ssh,security group,inbound,TCP,22,sg:sg-0bastion,allow,yes,,,',
      'unrelated/Deny,network ACL,inbound,ALL,all,0.0.0.0/0,deny,no (replies need rules),90,,',
    ]);
  });

  test('Terraform JSON with inline NSG rules and several prefixes', () => {
    const file = write('inline.tf.json', {
      resource: {
        azurerm_network_security_group: {
          web: {
            name: 'nsg-web',
            security_rule: [
              {
                name: 'https',
                priority: 200,
                direction: 'Inbound',
                access: 'Allow',
                protocol: 'Tcp',
                source_port_range: '*',
                destination_port_range: '443',
                source_address_prefix: 'Internet',
                destination_address_prefix: '*',
              },
              {
                name: 'ssh',
                priority: 210,
                direction: 'Inbound',
                access: 'Allow',
                protocol: 'Tcp',
                source_port_range: '*',
                destination_port_ranges: ['22', '2222'],
                source_address_prefixes: ['198.51.100.0/24', '203.0.113.0/24'],
                destination_address_prefix: '*',
              },
            ],
          },
        },
      },
    });
    const openings = JSON.parse(cli('report', file, '--format', 'json').stdout).openings;
    expect(
      openings.map(
        (o: { peer: string; ports: { from: number }; flags: string[]; group: string }) =>
          `${o.group} ${o.peer} ${o.ports.from} ${o.flags.join(',')}`,
      ),
    ).toEqual([
      'nsg-web Internet 443 world',
      'nsg-web 198.51.100.0/24 22 ',
      'nsg-web 198.51.100.0/24 2222 ',
      'nsg-web 203.0.113.0/24 22 ',
      'nsg-web 203.0.113.0/24 2222 ',
    ]);
  });

  test('--diagram adds a Mermaid flowchart: client, firewall, server, with the control and data ports', () => {
    const r = cli('report', cdkOut, '--diagram');
    expect(r.stdout).toContain('```mermaid\nflowchart LR');
    expect(r.stdout).toMatch(/p\d+\["203\.0\.113\.0\/24"\]/);
    expect(r.stdout).toContain(
      '-->|"TCP 21, TCP 50000-50004: FTPS control (explicit); FTPS passive data 50000-50004"|',
    );
  });

  test('a 500-resource template reports every rule', () => {
    const resources: Record<string, unknown> = {};
    for (let i = 0; i < 500; i++) {
      resources[`Rule${i}`] = {
        Type: 'AWS::EC2::SecurityGroupIngress',
        Properties: {
          GroupId: 'sg-1',
          CidrIp: `10.${i >> 8}.${i & 255}.0/24`,
          IpProtocol: 'tcp',
          FromPort: 21,
          ToPort: 21,
        },
      };
    }
    const r = cli('report', write('large.template.json', { Resources: resources }), '--format', 'json');
    expect(JSON.parse(r.stdout).openings).toHaveLength(500);
  });

  test.each([
    [['report', '/nonexistent/cdk.out'], '/nonexistent/cdk.out: no such file or directory'],
    [['report', 'NOT-JSON'], 'not a JSON template'],
    [['report', 'NOT-A-TEMPLATE'], 'neither a CloudFormation template (no Resources) nor Terraform JSON (no resource)'],
    [['report', 'FUTURE-CDK-OUT'], 'cloud assembly schema version "99.0.0" is not supported (30.x-55.x)'],
    [['report', 'EMPTY-DIR'], 'not a cdk.out or cdktf.out directory'],
    [['report'], 'report takes one path'],
    [['report', 'NOT-JSON', '--format', 'xml'], '--format "xml" is not one of md, json, csv'],
    [['diff', 'NOT-JSON'], 'diff takes two paths'],
    [
      ['diff', 'NOT-JSON', 'NOT-JSON', '--fail-on', 'everything'],
      '--fail-on "everything" is not one of world, wide, added, none',
    ],
  ])('fails with exit 2 and one line on %j', (argv, message) => {
    const subst: Record<string, () => string> = {
      'NOT-JSON': () => write('bad.json', '{ not json'),
      'NOT-A-TEMPLATE': () => write('other.json', { name: 'package' }),
      'FUTURE-CDK-OUT': () => {
        const dir = path.join(tmp, 'future.out');
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ version: '99.0.0', artifacts: {} }));
        return dir;
      },
      'EMPTY-DIR': () => fs.mkdtempSync(path.join(tmp, 'empty-')),
    };
    const r = cli(...argv.map((a) => (subst[a] ? subst[a]() : a)));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('ftps-rules diff', () => {
  const withExtraRule = (rule: Record<string, unknown>) => {
    const dir = path.join(tmp, `after-${Math.random().toString(36).slice(2)}`);
    fs.cpSync(cdkOut, dir, { recursive: true });
    const file = path.join(dir, 'FtpsExample.template.json');
    const t = JSON.parse(fs.readFileSync(file, 'utf8'));
    t.Resources.FtpsSecurityGroup7A13FF6A.Properties.SecurityGroupIngress.push(rule);
    fs.writeFileSync(file, JSON.stringify(t));
    return dir;
  };

  test('the example against itself: nothing changed, exit 0', () => {
    const r = cli('diff', cdkOut, cdkOut);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No opening added, removed or changed.');
  });

  test('an extra world-open rule: exit 1, and the rule is named', () => {
    const after = withExtraRule({
      CidrIp: '0.0.0.0/0',
      IpProtocol: 'tcp',
      FromPort: 21,
      ToPort: 21,
      Description: 'oops',
    });
    const r = cli('diff', cdkOut, after);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('**1 policy violation:**');
    expect(r.stdout).toContain('- FtpsExample/FtpsSecurityGroup7A13FF6A: inbound TCP 21 from 0.0.0.0/0 (world)');
    expect(r.stdout).toContain('## Added (1)');
  });

  test('a new narrow rule passes the default policy but not --fail-on added', () => {
    const after = withExtraRule({ CidrIp: '198.51.100.0/24', IpProtocol: 'tcp', FromPort: 21, ToPort: 21 });
    expect(cli('diff', cdkOut, after).code).toBe(0);
    expect(cli('diff', cdkOut, after, '--fail-on', 'added').code).toBe(1);
    expect(
      cli(
        'diff',
        cdkOut,
        withExtraRule({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 21, ToPort: 21 }),
        '--fail-on',
        'none',
      ).code,
    ).toBe(0);
  });

  test('a widened range is a change, flagged by --fail-on wide', () => {
    const dir = path.join(tmp, 'widened');
    fs.cpSync(cdkOut, dir, { recursive: true });
    const file = path.join(dir, 'FtpsExample.template.json');
    const t = JSON.parse(fs.readFileSync(file, 'utf8'));
    t.Resources.FtpsSecurityGroup7A13FF6A.Properties.SecurityGroupIngress[1].ToPort = 60000;
    fs.writeFileSync(file, JSON.stringify(t));
    const r = cli('diff', cdkOut, dir, '--fail-on', 'world,wide');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('## Changed (1)');
    expect(r.stdout).toContain('| allow TCP 50000-50004 | allow TCP 50000-60000 ⚠ wide (>1000 ports) |');
  });

  test('removed openings are listed and do not fail', () => {
    const r = cli('diff', cdktfOut, write('empty.tf.json', { resource: {} }));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('## Removed (2)');
  });
});

describe('ftps-rules report and diff on hostile input: exit 2, one line naming the file and the JSON path, never a trace', () => {
  const sg = (props: unknown) => ({ Resources: { Sg: { Type: 'AWS::EC2::SecurityGroup', Properties: props } } });
  const nested = (depth: number) => `{"Resources":{},"deep":${'['.repeat(depth)}1${']'.repeat(depth)}}`;
  const cases: Array<[string, () => string, RegExp]> = [
    [
      'Resources: null',
      () => write('h1.json', { Resources: null }),
      /h1\.json: \$\.Resources: expected an object, got null/,
    ],
    [
      'a resource that is null',
      () => write('h2.json', { Resources: { X: null } }),
      /\$\.Resources\.X: expected an object, got null/,
    ],
    [
      'a resource with no Type',
      () => write('h3.json', { Resources: { X: {} } }),
      /\$\.Resources\.X\.Type: expected a string/,
    ],
    [
      'SecurityGroupIngress: 5',
      () => write('h4.json', sg({ SecurityGroupIngress: 5 })),
      /\$\.Resources\.Sg\.Properties\.SecurityGroupIngress: expected a list, got number/,
    ],
    [
      'SecurityGroupIngress: [null]',
      () => write('h5.json', sg({ SecurityGroupIngress: [null] })),
      /SecurityGroupIngress\[0\]: expected an object, got null/,
    ],
    [
      'CidrIp: [1]',
      () => write('h6.json', sg({ SecurityGroupIngress: [{ CidrIp: [1] }] })),
      /SecurityGroupIngress\[0\]\.CidrIp: expected an object, got a list/,
    ],
    [
      'a Terraform rule that is null',
      () => write('h7.tf.json', { resource: { azurerm_network_security_rule: { r: null } } }),
      /\$\.resource\.azurerm_network_security_rule\.r: expected an object, got null/,
    ],
    [
      'destination_port_ranges: [{}]',
      () =>
        write('h8.tf.json', { resource: { azurerm_network_security_rule: { r: { destination_port_ranges: [{}] } } } }),
      /destination_port_ranges\[0\]: expected a string, got object/,
    ],
    [
      'destination_port_range: "lots"',
      () =>
        write('h9.tf.json', { resource: { azurerm_network_security_rule: { r: { destination_port_range: 'lots' } } } }),
      /destination_port_range: expected a port, a range or "\*"/,
    ],
    ['a 200k-deep value', () => write('h10.json', nested(200_000)), /nested deeper than 64 levels/],
    [
      'a manifest with artifacts: null',
      () => {
        const dir = fs.mkdtempSync(path.join(tmp, 'm1-'));
        fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ version: '48.0.0', artifacts: null }));
        return dir;
      },
      /manifest\.json: \$\.artifacts: expected an object, got null/,
    ],
    [
      'a manifest with stacks: 5',
      () => {
        const dir = fs.mkdtempSync(path.join(tmp, 'm2-'));
        fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ stacks: 5 }));
        return dir;
      },
      /manifest\.json: \$\.stacks: expected an object, got number/,
    ],
    [
      'a templateFile outside the directory, never echoed',
      () => {
        const dir = fs.mkdtempSync(path.join(tmp, 'm3-'));
        fs.writeFileSync(path.join(tmp, 'secret.txt'), 'TOP-SECRET-CONTENT');
        fs.writeFileSync(
          path.join(dir, 'manifest.json'),
          JSON.stringify({
            version: '48.0.0',
            artifacts: { S: { type: 'aws:cloudformation:stack', properties: { templateFile: '../secret.txt' } } },
          }),
        );
        return dir;
      },
      /templateFile \("\.\.\/secret\.txt"\) points outside the directory; refused/,
    ],
    ['a device (/dev/zero)', () => '/dev/zero', /\/dev\/zero: a device, not a template file/],
    [
      'a FIFO',
      () => {
        const fifo = path.join(tmp, `fifo-${process.pid}`);
        if (!fs.existsSync(fifo)) execFileSync('mkfifo', [fifo]);
        return fifo;
      },
      /a FIFO, not a template file/,
    ],
    ['an empty path', () => '', /an empty path/],
  ];

  test.each(cases)('report on %s', (_what, input, message) => {
    const r = cli('report', input());
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain('TOP-SECRET-CONTENT');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test.each(cases.slice(0, 6))('diff with %s on one side', (_what, input, message) => {
    const r = cli('diff', write('ok.template.json', { Resources: {} }), input());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('ftps-rules report says what the cloud does', () => {
  test("CDK's disallow-all placeholder is 'none (allows nothing)', not an ICMP allow, and no diagram edge", () => {
    const file = write('placeholder.template.json', {
      Resources: {
        Sg: {
          Type: 'AWS::EC2::SecurityGroup',
          Properties: {
            SecurityGroupEgress: [
              {
                CidrIp: '255.255.255.255/32',
                Description: 'Disallow all traffic',
                FromPort: 252,
                IpProtocol: 'icmp',
                ToPort: 86,
              },
            ],
          },
        },
      },
    });
    const md = cli('report', file, '--diagram').stdout;
    expect(md).toContain('none (allows nothing)');
    expect(md).not.toMatch(/ICMP \| type 252/);
    expect(md).not.toContain('255.255.255.255');
    expect(md).toContain('0 rules');
    const json = JSON.parse(cli('report', file, '--format', 'json', '--diagram').stdout);
    expect(json.rules).toBe(0);
    expect(json.diagram).toMatch(/^```mermaid\nflowchart LR/);
  });

  test('an NSG rule with two port ranges is one rule (two rows)', () => {
    const file = write('two.tf.json', {
      resource: {
        azurerm_network_security_rule: {
          a: {
            direction: 'Inbound',
            access: 'Allow',
            protocol: 'Tcp',
            priority: 100,
            source_address_prefix: '203.0.113.0/24',
            destination_port_ranges: ['21', '50000-50004'],
          },
          b: {
            direction: 'Inbound',
            access: 'Allow',
            protocol: 'Tcp',
            priority: 110,
            source_address_prefix: '198.51.100.0/24',
            destination_port_ranges: ['21', '50000-50004'],
          },
        },
      },
    });
    expect(cli('report', file).stdout).toContain('2 rules (4 rows');
  });
});

describe('ftps-rules diff keys rules by logical id / Terraform address', () => {
  test('the same template with and without construct paths (npm run synth vs cdk synth) has no difference', () => {
    const t = JSON.parse(fs.readFileSync(path.join(cdkOut, 'FtpsExample.template.json'), 'utf8'));
    const stripped = JSON.parse(JSON.stringify(t));
    for (const r of Object.values(stripped.Resources as Record<string, { Metadata?: unknown }>)) delete r.Metadata;
    const r = cli('diff', write('FtpsExample.template.json', t), write2('FtpsExample.template.json', stripped));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No opening added, removed or changed.');
  });
});

describe('ftps-rules diff at scale', () => {
  // Timed in npm run bench (BENCHMARKS.md); here, that it completes and is right.
  test('10,000 rules on each side: 10 added, 10 removed, 10 changed, found exactly', () => {
    const template = (n: number, shift: number, widen: boolean) => {
      const Resources: Record<string, unknown> = {};
      for (let i = shift; i < n + shift; i++) {
        Resources[`Rule${i}`] = {
          Type: 'AWS::EC2::SecurityGroupIngress',
          Properties: {
            GroupId: 'sg-1',
            CidrIp: `10.${(i >> 8) & 255}.${i & 255}.0/24`,
            IpProtocol: 'tcp',
            FromPort: 21,
            ToPort: widen && i >= 5000 && i < 5010 ? 22 : 21,
          },
        };
      }
      return { Resources };
    };
    const r = cli(
      'diff',
      write('big-before.template.json', template(10_000, 0, false)),
      write2('big-before.template.json', template(10_000, 10, true)),
      '--fail-on',
      'none',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('## Added (10)');
    expect(r.stdout).toContain('## Removed (10)');
    expect(r.stdout).toMatch(/## Changed \(10\)/);
  });
});

describe("ftps-rules report: a group's egress as CloudFormation deploys it", () => {
  const group = (extra: Record<string, unknown>) =>
    write(`egress-${Object.keys(extra).length}.template.json`, {
      Resources: {
        Sg: { Type: 'AWS::EC2::SecurityGroup', Properties: { GroupDescription: 'client' } },
        ...extra,
      },
    });
  const outbound = (file: string) =>
    (
      JSON.parse(cli('report', file, '--format', 'json').stdout).openings as Array<{
        direction: string;
        peer: string;
        protocol: string;
        description?: string;
      }>
    )
      .filter((o) => o.direction === 'outbound')
      .map((o) => `${o.protocol} ${o.peer}${o.description ? ` (${o.description})` : ''}`);

  test('no egress rule at all: EC2 adds its default allow-all (flagged world-open)', () => {
    expect(outbound(group({}))).toEqual(['all 0.0.0.0/0 (EC2 default egress (no egress rules given))']);
  });

  test('a standalone egress rule for the group: the default is removed, only that rule remains', () => {
    const file = group({
      Egress: {
        Type: 'AWS::EC2::SecurityGroupEgress',
        Properties: {
          GroupId: { 'Fn::GetAtt': ['Sg', 'GroupId'] },
          IpProtocol: 'tcp',
          FromPort: 21,
          ToPort: 21,
          CidrIp: '198.51.100.10/32',
        },
      },
    });
    expect(outbound(file)).toEqual(['tcp 198.51.100.10/32']);
  });
});

describe('report across the stacks of one cloud assembly', () => {
  const outboundOf = (dir: string, groupPart: string) =>
    (
      JSON.parse(cli('report', dir, '--format', 'json').stdout).openings as Array<{
        direction: string;
        group: string;
        peer: string;
        protocol: string;
        ports?: { from: number; to: number };
        description?: string;
        flags: string[];
      }>
    )
      .filter((o) => o.direction === 'outbound' && o.group.includes(groupPart))
      .map(
        (o) =>
          `${o.protocol} ${o.ports ? `${o.ports.from}-${o.ports.to} ` : ''}${o.peer.replace(/^sg:.*Ftps.*$/, 'sg:ftps')}${o.flags.length ? ` ${o.flags.join(',')}` : ''}`,
      )
      .sort();

  test('a client group in a consumer stack: only the FTPS egress, never a world-open default', () => {
    // GIVEN the library's cross-stack placement, synthesized as users do
    const dir = path.join(tmp, 'cross.out');
    const app = new CdkApp({ outdir: dir });
    const main = new Stack(app, 'Main');
    const vpc = ec2.Vpc.fromVpcAttributes(main, 'Vpc', { vpcId: 'vpc-12345678', availabilityZones: ['us-east-1a'] });
    const ftps = new FtpsEndpoint(main, 'Ftps', { vpc, passivePorts: { from: 50000, to: 50004 } });
    const consumer = new Stack(app, 'Consumer');
    ftps.allowClient(new ec2.SecurityGroup(consumer, 'Batch', { vpc, allowAllOutbound: false }));
    app.synth();
    // THEN the report shows the client group's deployed egress: FTPS ports to the server group, nothing else
    expect(outboundOf(dir, 'Consumer/Batch')).toEqual(['all -', 'tcp 21-21 sg:ftps', 'tcp 50000-50004 sg:ftps']);
  });

  test("a standalone egress rule in another stack removes the group's default egress there too (through its export)", () => {
    const dir = path.join(tmp, 'imports.out');
    fs.mkdirSync(dir, { recursive: true });
    const stack = (name: string, template: unknown) => {
      fs.writeFileSync(path.join(dir, `${name}.template.json`), JSON.stringify(template));
      return [name, { type: 'aws:cloudformation:stack', properties: { templateFile: `${name}.template.json` } }];
    };
    const artifacts = Object.fromEntries([
      stack('Clients', {
        Resources: { Sg: { Type: 'AWS::EC2::SecurityGroup', Properties: { GroupDescription: 'client' } } },
        Outputs: { SgId: { Value: { 'Fn::GetAtt': ['Sg', 'GroupId'] }, Export: { Name: 'Clients:SgId' } } },
      }),
      stack('Rules', {
        Resources: {
          Egress: {
            Type: 'AWS::EC2::SecurityGroupEgress',
            Properties: {
              GroupId: { 'Fn::ImportValue': 'Clients:SgId' },
              IpProtocol: 'tcp',
              FromPort: 21,
              ToPort: 21,
              CidrIp: '198.51.100.10/32',
            },
          },
        },
      }),
    ]);
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ version: '36.0.0', artifacts }));
    expect(outboundOf(dir, 'Clients/Sg')).toEqual(['tcp 21-21 198.51.100.10/32']);
  });
});
