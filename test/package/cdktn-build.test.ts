import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

// GIVEN dist/ as the global setup builds it (tsc, then scripts/build-cdktn.js)
// WHEN a plain Node process (no jest module mapping) loads each Azure entry point with its own framework
// THEN both synthesize the README's Azure example to the same Terraform, and the cdktn build never loads cdktf.
const root = path.resolve(__dirname, '../..');
const dist = path.join(root, 'dist/lib');

/** The README's smallest Azure example, synthesized by `framework` with the entry point `entry`. */
function synth(framework: 'cdktf' | 'cdktn', entry: string): { resource: Record<string, unknown>; loaded: string[] } {
  const provider = framework === 'cdktf' ? '@cdktf/provider-azurerm' : '@cdktn/provider-azurerm';
  const program = `
    const { App, TerraformStack, Testing } = require('${framework}');
    const { AzurermProvider } = require('${provider}/lib/provider');
    const { FtpsEndpoint } = require(${JSON.stringify(entry)});
    const stack = new TerraformStack(Testing.app(), 'example');
    new AzurermProvider(stack, 'azurerm', { features: [{}] });
    new FtpsEndpoint(stack, 'Ftps', {
      resourceGroupName: 'rg-ftps',
      location: 'westeurope',
      passivePorts: { from: 50000, to: 50004 },
      clients: ['203.0.113.0/24'],
      subnetId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/ftps',
    });
    const loaded = Object.keys(require.cache).filter((f) => /node_modules\\/(cdktf|cdktn|@cdktf|@cdktn)\\//.test(f))
      .map((f) => f.split('node_modules/')[1].split('/').slice(0, f.includes('node_modules/@') ? 2 : 1).join('/'));
    process.stdout.write(JSON.stringify({ resource: JSON.parse(Testing.synth(stack)).resource, loaded: [...new Set(loaded)].sort() }));
  `;
  return JSON.parse(execFileSync(process.execPath, ['-e', program], { cwd: root, encoding: 'utf8' }));
}

describe('the CDK Terrain (cdktn) build of the Azure constructs', () => {
  test('has no reference to CDK for Terraform left, in code or declarations', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(dir, e.name));
        else files.push(path.join(dir, e.name));
      }
    };
    walk(path.join(dist, 'azure-cdktn'));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) expect([f, fs.readFileSync(f, 'utf8').match(/["'](cdktf|@cdktf\/)/)]).toEqual([f, null]);
    // The same files as the cdktf build: derived, never a hand-kept copy.
    expect(files.map((f) => path.relative(path.join(dist, 'azure-cdktn'), f)).sort()).toEqual(
      (fs.readdirSync(path.join(dist, 'azure'), { recursive: true }) as string[])
        .filter((f) => fs.statSync(path.join(dist, 'azure', f)).isFile())
        .sort(),
    );
  });

  test("each entry point synthesizes the README's example with its own framework only, to the same Terraform", () => {
    const viaCdktf = synth('cdktf', path.join(dist, 'azure'));
    const viaCdktn = synth('cdktn', path.join(dist, 'azure-cdktn'));
    expect(viaCdktf.loaded).toEqual(['@cdktf/provider-azurerm', 'cdktf']);
    expect(viaCdktn.loaded).toEqual(['@cdktn/provider-azurerm', 'cdktn']);
    expect(viaCdktn.resource).toEqual(viaCdktf.resource);
    expect(Object.keys(viaCdktn.resource).sort()).toEqual([
      'azurerm_network_security_group',
      'azurerm_network_security_rule',
      'azurerm_subnet_network_security_group_association',
    ]);
  });
});

describe('one framework per app', () => {
  test.each([
    ['cdktn', 'azure'],
    ['cdktf', 'azure-cdktn'],
  ])('a %s app with the %s entry point gets an FtpsValidationError naming the right entry point', (framework, dir) => {
    const program = `
      const { App, TerraformStack } = require('${framework}');
      const { FtpsEndpoint } = require(${JSON.stringify(path.join(dist, dir))});
      const stack = new TerraformStack(new App({ outdir: require('node:os').tmpdir() + '/ftps-mixed' }), 'mixed');
      try {
        new FtpsEndpoint(stack, 'Ftps', { resourceGroupName: 'rg', location: 'westeurope', passivePorts: { from: 50000, to: 50009 }, clients: ['203.0.113.0/24'] });
        process.stdout.write('created');
      } catch (e) {
        process.stdout.write(e.name + ': ' + e.message + ' children=' + stack.node.children.length);
      }
    `;
    const out = execFileSync(process.execPath, ['-e', program], { cwd: root, encoding: 'utf8' });
    expect(out).toMatch(
      /^FtpsValidationError: mixed\/Ftps: \[ftps-constructs:wrongFramework\] .*ftps-constructs\/cdktn\/azure in a CDK Terrain app/,
    );
    expect(out).toMatch(/children=0$/);
  });
});
