// Fuzz campaign, Azure: as the AWS one, on the NSG rules. FTPS_FUZZ_RUNS=2000 npx jest test/fuzz for a long run.
import * as fc from 'fast-check';
import * as ipaddr from 'ipaddr.js';
import { Construct } from 'constructs';
import { FtpsClientRules, FtpsEndpoint, FtpsServer } from '../../lib/azure';
import { FtpsValidationError } from '../../lib/core';
import { BASE, fixture, resourcesOf } from '../azure/fixtures';
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

function props(o: ValidFtps): Record<string, unknown> {
  return {
    ...BASE,
    tls: o.tls,
    controlPort: o.controlPort,
    passivePorts: o.passivePorts,
    activeMode: o.activeMode,
    clientPorts: o.clientPorts,
    clients: o.clients,
  };
}

const list = (one: unknown, many: unknown): string[] =>
  one !== undefined ? [String(one)] : ((many as string[] | undefined) ?? []);

function matchesAddress(prefix: string, address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (prefix === '*') return true;
  const [net, len] = prefix.includes('/')
    ? ipaddr.parseCIDR(prefix)
    : [ipaddr.parse(prefix), address.kind() === 'ipv4' ? 32 : 128];
  return net.kind() === address.kind() && address.match(net, len as number);
}

/** What the NSG's Allow rules do with a packet (no default rule admits documentation addresses). */
function admits(rules: Json[], p: Packet): boolean {
  const address = ipaddr.parse(p.peer);
  return rules.some((r) => {
    if (r.access !== 'Allow' || r.direction !== (p.direction === 'inbound' ? 'Inbound' : 'Outbound')) return false;
    if (r.protocol !== '*' && String(r.protocol).toLowerCase() !== p.protocol) return false;
    const remote =
      p.direction === 'inbound'
        ? list(r.source_address_prefix, r.source_address_prefixes)
        : list(r.destination_address_prefix, r.destination_address_prefixes);
    if (!remote.some((prefix) => matchesAddress(prefix, address))) return false;
    return list(r.destination_port_range, r.destination_port_ranges).some((range) => {
      if (range === '*') return true;
      const [from, to = from] = range.split('-').map(Number);
      return p.port >= from && p.port <= to;
    });
  });
}

describe('fuzz, Azure FtpsEndpoint', () => {
  test('valid props: the NSG admits exactly the FTPS packets, whatever the order of the clients', () => {
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
          new FtpsEndpoint(a.stack, 'Ftps', props(o) as never);
          const rules = resourcesOf(a.stack, 'azurerm_network_security_rule');
          for (const p of packets) expect([p, admits(rules, p)]).toEqual([p, ftpsNeeds(o, p)]);
          const b = fixture();
          new FtpsEndpoint(b.stack, 'Ftps', props({ ...o, clients: shuffled }) as never);
          expect(b.synth()).toEqual(a.synth());
        },
      ),
      runs(25),
    );
  });

  const PROPS = [
    'resourceGroupName',
    'location',
    'tls',
    'controlPort',
    'passivePorts',
    'passivePorts.from',
    'passivePorts.to',
    'activeMode',
    'clientPorts',
    'clientPorts.from',
    'clients',
    'clients[0]',
    'clientApplicationSecurityGroupIds',
    'serverAddressPrefixes',
    'serverAddressPrefixes[0]',
    'networkSecurityGroupName',
    'newNetworkSecurityGroupName',
    'priority',
    'priorityStep',
    'reservedRules',
    'reservedRules[0]',
    'ruleNamePrefix',
    'aggregateAddresses',
    'subnetId',
    'networkInterfaceId',
    'acknowledgeWarnings',
    'additionalServiceTags',
    '(props)',
  ];

  test('hostile props: FtpsValidationError with an id, or a working endpoint; never another error, nothing half-built', () => {
    fc.assert(
      fc.property(validFtps, fc.constantFrom(...PROPS), hostileValue, (o, where, value) => {
        const { stack, synth } = fixture();
        const p = withHostile(props(o), where, value);
        const leftNothing = () => {
          expect(stack.node.tryFindChild('Ftps')).toBeUndefined();
          expect(JSON.parse(synth()).resource).toBeUndefined();
        };
        if (refusedCleanly(() => new FtpsEndpoint(stack, 'Ftps', p as never), FtpsValidationError, leftNothing)) return;
        try {
          synth();
        } catch (e) {
          expect(String((e as Error).message)).toMatch(/\[ftps-constructs:[a-zA-Z]+\]/);
        }
      }),
      runs(150),
    );
  });
});

describe('fuzz, Azure servers and client rules', () => {
  const KEY_VAULT = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-ftps';
  const constructs = {
    FtpsServer: {
      make: (scope: Construct, p: unknown) => new FtpsServer(scope, 'Server', p as never),
      base: {
        ...BASE,
        subnetId: 'subnet',
        passivePorts: { from: 50000, to: 50019 },
        clients: ['203.0.113.0/24'],
        adminSshPublicKey: 'ssh-ed25519 AAAA test',
        keyVaultCertificate: {
          keyVaultId: KEY_VAULT,
          secretId: 'https://kv-ftps.vault.azure.net/secrets/c/1',
          thumbprint: '0123456789abcdef0123456789abcdef01234567',
        },
        usersSecret: { keyVaultId: KEY_VAULT, secretUri: 'https://kv-ftps.vault.azure.net/secrets/ftps-users' },
      },
      fields: [
        'location',
        'subnetId',
        'name',
        'vmSize',
        'adminUsername',
        'adminSshPublicKey',
        'sshSources',
        'sshPriority',
        'keyVaultCertificate',
        'selfSignedCertificate',
        'usersSecret',
        'requireSessionReuse',
        'sourceImage',
        'clients',
        'passivePorts',
        '(props)',
      ],
    },
    FtpsClientRules: {
      make: (scope: Construct, p: unknown) => new FtpsClientRules(scope, 'Server', p as never),
      base: { ...BASE, passivePorts: { from: 50000, to: 50019 }, servers: ['198.51.100.10'] },
      fields: [
        'servers',
        'serverApplicationSecurityGroupIds',
        'clientAddressPrefixes',
        'priority',
        'reservedRules',
        'passivePorts',
        '(props)',
      ],
    },
  };

  test.each(Object.keys(constructs) as Array<keyof typeof constructs>)(
    '%s: hostile props end in FtpsValidationError with an id, nothing half-built',
    (name) => {
      const s = constructs[name];
      fc.assert(
        fc.property(fc.constantFrom(...s.fields), hostileValue, (where, value) => {
          const { stack } = fixture();
          const p = withHostile(s.base, where, value);
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
