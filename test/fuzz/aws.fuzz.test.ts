// Fuzz campaign, AWS: hostile props of every type end in FtpsValidationError with an id and leave nothing in the
// tree; valid props synthesize security group rules that admit exactly the packets FTPS needs (checked by the
// evaluator in ./generators, which imports nothing from lib/), identical for any order of the clients.
// FTPS_FUZZ_RUNS=2000 npx jest test/fuzz for a long run.
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as fc from 'fast-check';
import * as ipaddr from 'ipaddr.js';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { FtpsEndpoint, FtpsServer, TransferFtpsServer } from '../../lib/aws';
import { FtpsValidationError } from '../../lib/core';
import { fixture, publicFixture } from '../aws/fixtures';
import {
  Packet,
  ValidFtps,
  ftpsNeeds,
  hostileValue,
  packetsFor,
  refusedCleanly,
  runs,
  validFtps,
  withHostile,
} from './generators';

type Json = Record<string, unknown>;

const peer = (cidr: string) => (cidr.includes(':') ? ec2.Peer.ipv6(cidr) : ec2.Peer.ipv4(cidr));

function props(o: ValidFtps, vpc: ec2.IVpc): Record<string, unknown> {
  return {
    vpc,
    tls: o.tls,
    controlPort: o.controlPort,
    passivePorts: o.passivePorts,
    activeMode: o.activeMode,
    clientPorts: o.clientPorts,
    clients: o.clients.map(peer),
  };
}

function synthesized(app: App, stack: Stack): Json {
  return app.synth().getStackByName(stack.stackName).template as Json;
}

/** Every security group rule of the template, inline or standalone, as [direction, rule]. */
function rulesOf(template: Json): Array<['inbound' | 'outbound', Json]> {
  const out: Array<['inbound' | 'outbound', Json]> = [];
  for (const r of Object.values((template.Resources ?? {}) as Record<string, { Type: string; Properties: Json }>)) {
    if (r.Type === 'AWS::EC2::SecurityGroup') {
      for (const rule of (r.Properties.SecurityGroupIngress as Json[] | undefined) ?? []) out.push(['inbound', rule]);
      for (const rule of (r.Properties.SecurityGroupEgress as Json[] | undefined) ?? []) out.push(['outbound', rule]);
    }
    if (r.Type === 'AWS::EC2::SecurityGroupIngress') out.push(['inbound', r.Properties]);
    if (r.Type === 'AWS::EC2::SecurityGroupEgress') out.push(['outbound', r.Properties]);
  }
  return out;
}

/** What a security group does with a packet, read from the rules as EC2 would. */
function admits(rules: Array<['inbound' | 'outbound', Json]>, p: Packet): boolean {
  const address = ipaddr.parse(p.peer);
  return rules.some(([direction, r]) => {
    if (direction !== p.direction) return false;
    if (r.IpProtocol !== '-1' && r.IpProtocol !== p.protocol) return false;
    const cidr = (r.CidrIp ?? r.CidrIpv6) as string | undefined;
    if (cidr === undefined) return false;
    const [net, len] = ipaddr.parseCIDR(cidr);
    if (net.kind() !== address.kind() || !address.match(net, len)) return false;
    return r.IpProtocol === '-1' || (p.port >= Number(r.FromPort) && p.port <= Number(r.ToPort));
  });
}

describe('fuzz, AWS FtpsEndpoint', () => {
  test('valid props: the security group admits exactly the FTPS packets, whatever the order of the clients', () => {
    fc.assert(
      fc.property(
        validFtps.chain((o) =>
          fc.tuple(
            fc.constant(o),
            fc.array(packetsFor(o), { minLength: 100, maxLength: 100 }),
            fc.shuffledSubarray(o.clients, { minLength: o.clients.length }),
          ),
        ),
        ([o, packets, shuffled]) => {
          const a = fixture();
          new FtpsEndpoint(a.stack, 'Ftps', props(o, a.vpc) as never);
          const template = synthesized(a.app, a.stack);
          const rules = rulesOf(template);
          for (const p of packets) expect([p, admits(rules, p)]).toEqual([p, ftpsNeeds(o, p)]);

          const b = fixture();
          new FtpsEndpoint(b.stack, 'Ftps', props({ ...o, clients: shuffled }, b.vpc) as never);
          expect(synthesized(b.app, b.stack)).toEqual(template);
        },
      ),
      runs(25),
    );
  });

  const PROPS = [
    'vpc',
    'tls',
    'controlPort',
    'passivePorts',
    'passivePorts.from',
    'passivePorts.to',
    'activeMode',
    'clientPorts',
    'clientPorts.to',
    'clients',
    'clients[0]',
    'securityGroup',
    'securityGroupDescription',
    'networkAcl',
    'networkAclRuleNumberStart',
    'networkAclRuleNumberStep',
    'networkAclReservedRuleNumbers',
    'networkAclReservedRuleNumbers[0]',
    'networkAclRuleLimit',
    'securityGroupRuleLimit',
    'aggregateClients',
    '(props)',
  ];

  test('hostile props: FtpsValidationError with an id, or a working endpoint; never another error, nothing half-built', () => {
    fc.assert(
      fc.property(validFtps, fc.constantFrom(...PROPS), hostileValue, (o, where, value) => {
        const { app, stack, vpc } = fixture();
        const p = withHostile({ ...props(o, vpc), networkAclReservedRuleNumbers: [1] }, where, value);
        const leftNothing = () => {
          expect(stack.node.tryFindChild('Ftps')).toBeUndefined();
          expect(Object.keys((synthesized(app, stack).Resources as Json | undefined) ?? {})).toEqual([]);
        };
        if (refusedCleanly(() => new FtpsEndpoint(stack, 'Ftps', p as never), FtpsValidationError, leftNothing)) return;
        // Accepted: it synthesizes, or fails at synth with one of our ids (a quota), never a crash.
        try {
          synthesized(app, stack);
        } catch (e) {
          expect(String((e as Error).message)).toMatch(/\[ftps-constructs:[a-zA-Z]+\]/);
        }
      }),
      runs(150),
    );
  });
});

describe('fuzz, AWS servers', () => {
  const servers = {
    FtpsServer: {
      make: (scope: Stack, p: unknown) => new FtpsServer(scope, 'Server', p as never),
      base: (stack: Stack, vpc: ec2.IVpc) => ({
        vpc,
        passivePorts: { from: 50000, to: 50019 },
        clients: [ec2.Peer.ipv4('203.0.113.0/24')],
        selfSignedCertificate: true,
        usersSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Users', 'ftps/users'),
      }),
      fields: [
        'usersSecret',
        'certificateSecret',
        'selfSignedCertificate',
        'requireSessionReuse',
        'volumeSize',
        'instanceType',
        'machineImage',
        'vpcSubnets',
        'detailedMonitoring',
        'passivePorts',
        'clients',
        '(props)',
      ],
    },
    TransferFtpsServer: {
      make: (scope: Stack, p: unknown) => new TransferFtpsServer(scope, 'Server', p as never),
      base: (stack: Stack, vpc: ec2.IVpc) => ({
        vpc,
        clients: [ec2.Peer.ipv4('203.0.113.0/24')],
        certificate: acm.Certificate.fromCertificateArn(
          stack,
          'Cert',
          'arn:aws:acm:us-east-1:111111111111:certificate/abc',
        ),
        identityProvider: {
          apiGatewayUrl: 'https://example.execute-api.us-east-1.amazonaws.com/prod',
          invocationRole: iam.Role.fromRoleName(stack, 'Role', 'idp'),
        },
      }),
      fields: [
        'certificate',
        'identityProvider',
        'passiveIp',
        'tls',
        'controlPort',
        'passivePorts',
        'activeMode',
        'tlsSessionResumptionMode',
        'vpcSubnets',
        'clients',
        '(props)',
      ],
    },
  };

  test.each(Object.keys(servers) as Array<keyof typeof servers>)(
    '%s: hostile props end in FtpsValidationError with an id, nothing half-built',
    (name) => {
      const s = servers[name];
      fc.assert(
        fc.property(fc.constantFrom(...s.fields), hostileValue, (where, value) => {
          const { stack, vpc } = publicFixture();
          const p = withHostile(s.base(stack, vpc), where, value);
          refusedCleanly(
            () => s.make(stack, p),
            FtpsValidationError,
            () => expect(stack.node.tryFindChild('Server')).toBeUndefined(),
          );
        }),
        runs(40),
      );
    },
  );
});
