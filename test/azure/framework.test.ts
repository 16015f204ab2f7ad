import { TerraformStack, Testing } from 'cdktf';
import { FtpsEndpoint } from '../../lib/azure';

// This file runs twice: in the unit run against CDK for Terraform, and in the cdktn run (jest.cdktn.config.js)
// against CDK Terrain, where the framework's module names are mapped as the package's cdktn build rewrites them.
const expected = (globalThis as { FTPS_CDK_FRAMEWORK?: string }).FTPS_CDK_FRAMEWORK ?? 'cdktf';

describe('the Terraform CDK framework under test', () => {
  test(`is ${expected}, for the tests and for the library alike`, () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(require('cdktf/package.json').name).toBe(expected);
    // The library's resources are the framework's own: synthesis walks them with its own classes.
    const stack = new TerraformStack(Testing.app(), 'test');
    new FtpsEndpoint(stack, 'Ftps', {
      resourceGroupName: 'rg',
      location: 'westeurope',
      passivePorts: { from: 50000, to: 50009 },
      clients: ['203.0.113.0/24'],
    });
    const json = JSON.parse(Testing.synth(stack)) as { resource: Record<string, unknown> };
    expect(Object.keys(json.resource)).toEqual(['azurerm_network_security_group', 'azurerm_network_security_rule']);
  });
});
