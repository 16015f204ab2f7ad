import { TerraformStack, Testing } from 'cdktf';
import { FtpsClientRules, FtpsEndpoint } from '../../lib/azure';
import { FtpsTls } from '../../lib/core';
import { BASE, SEED, fixture } from './fixtures';

// One small snapshot per scenario: only the Terraform resources and data sources (no provider block).
const CLIENTS = ['203.0.113.0/24'];

const scenarios: Array<[string, (stack: TerraformStack) => void]> = [
  [
    'explicit',
    (stack) => new FtpsEndpoint(stack, 'Ftps', { ...BASE, ...SEED, clients: CLIENTS, subnetId: '/subnets/ftps' }),
  ],
  [
    'implicit',
    (stack) => new FtpsEndpoint(stack, 'Ftps', { ...BASE, ...SEED, tls: FtpsTls.IMPLICIT, clients: CLIENTS }),
  ],
  ['active', (stack) => new FtpsEndpoint(stack, 'Ftps', { ...BASE, ...SEED, activeMode: true, clients: CLIENTS })],
  [
    'existing-nsg',
    (stack) =>
      new FtpsEndpoint(stack, 'Ftps', {
        resourceGroupName: 'rg-ftps',
        ...SEED,
        networkSecurityGroupName: 'nsg-existing',
        clients: CLIENTS,
        networkInterfaceId: '/nics/ftps',
      }),
  ],
  [
    'client-side',
    (stack) =>
      new FtpsClientRules(stack, 'FtpsClient', {
        resourceGroupName: 'rg-clients',
        ...SEED,
        networkSecurityGroupName: 'nsg-clients',
        servers: ['198.51.100.10'],
      }),
  ],
  [
    'service-tag',
    (stack) => new FtpsEndpoint(stack, 'Ftps', { ...BASE, ...SEED, clients: [...CLIENTS, 'VirtualNetwork'] }),
  ],
];

test.each(scenarios)('snapshot: %s', (_name, build) => {
  const { stack } = fixture();
  build(stack);
  const { resource, data } = JSON.parse(Testing.synth(stack, true));
  expect({ resource, data }).toMatchSnapshot();
});
