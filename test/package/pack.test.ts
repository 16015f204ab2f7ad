import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// GIVEN the package as npm publishes it (dist/ built by the global setup)
// WHEN a fresh project installs the tarball
// THEN JavaScript and TypeScript users can import every entry point, and the bin runs.
describe('npm pack tarball', () => {
  const root = path.resolve(__dirname, '../..');
  let app: string;
  let tarball: string;
  let installWarnings = '';
  const run = (cmd: string, args: string[], cwd: string, loglevel = 'error'): string => {
    try {
      return execFileSync(cmd, args, {
        cwd,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, npm_config_loglevel: loglevel },
      });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(`${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    }
  };

  beforeAll(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftps-pack-'));
    // What prepack/postpack do, but the build: dist/ is the global setup's (rebuilding it here would pull it
    // from under the other suites).
    run(process.execPath, [path.join(root, 'scripts/package-readme.js'), 'swap'], root);
    try {
      const out = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], root);
      tarball = path.join(dir, JSON.parse(out)[0].filename);
      packed = (JSON.parse(out)[0].files as Array<{ path: string }>).map((f) => f.path);
    } finally {
      run(process.execPath, [path.join(root, 'scripts/package-readme.js'), 'restore'], root);
    }
    app = path.join(dir, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    // At npm's default log level: every warning the install prints is captured.
    const r = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], {
      cwd: app,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`npm install: ${r.stderr}`);
    installWarnings = r.stderr;
  }, 180_000);

  let packed: string[] = [];

  test('packs the package README and the LICENSE; the repository README stays in the repository', () => {
    expect(packed).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
    const readme = fs.readFileSync(path.join(app, 'node_modules/ftps-constructs/README.md'), 'utf8');
    expect(readme).toBe(fs.readFileSync(path.join(root, 'docs/package-readme.md'), 'utf8'));
    expect(readme).not.toContain('npm run synth');
    expect(fs.readFileSync(path.join(root, 'README.md'), 'utf8')).toContain('npm install && npm run synth');
    expect(fs.readFileSync(path.join(app, 'node_modules/ftps-constructs/LICENSE'), 'utf8')).toContain('Apache License');
  });

  test('an install of the tarball prints no warning of ours (no install script, no peer conflict)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(app, 'node_modules/ftps-constructs/package.json'), 'utf8'));
    expect(pkg.scripts?.prepare).toBeUndefined();
    const ours = installWarnings.split('\n').filter((l) => /ftps-constructs/.test(l));
    // The one warning allowed: this build machine's own Node.js may be older than the supported range
    // (engines >=22; CI runs the unit suite on 22, 24 and 26 as well).
    // The Node.js npm runs on (the one on PATH), which may differ from the one running jest.
    const npmNode = execFileSync('node', ['--version'], { encoding: 'utf8' }).trim();
    const supported = Number(npmNode.replace(/^v/, '').split('.')[0]) >= 22;
    expect(ours.filter((l) => supported || !/EBADENGINE|Unsupported engine|required: \{|current: \{/.test(l))).toEqual(
      [],
    );
  });

  test('the declarations carry no @internal member', () => {
    const dts = fs.readFileSync(path.join(app, 'node_modules/ftps-constructs/dist/lib/aws/ftps-endpoint.d.ts'), 'utf8');
    expect(dts).toContain('allowClient');
    expect(dts).not.toMatch(/_validateAtSynth|_quotaView/);
  });

  afterAll(() => {
    if (app) fs.rmSync(path.dirname(app), { recursive: true, force: true });
  });

  test('ships only dist and the README, with no cloud SDK installed for a core-only user', () => {
    const installed = path.join(app, 'node_modules');
    expect(fs.existsSync(path.join(installed, 'ftps-constructs/lib'))).toBe(false);
    expect(fs.existsSync(path.join(installed, 'ftps-constructs/test'))).toBe(false);
    expect(fs.existsSync(path.join(installed, 'aws-cdk-lib'))).toBe(false);
    expect(fs.existsSync(path.join(installed, 'cdktf'))).toBe(false);
  });

  test('require("ftps-constructs") renders a worksheet', () => {
    const out = run(
      process.execPath,
      [
        '-e',
        "const f = require('ftps-constructs'); process.stdout.write(f.renderWorksheet(f.buildWorksheet({ options: { passivePorts: { from: 50000, to: 50004 } }, clients: ['203.0.113.0/24'] }), 'csv'))",
      ],
      app,
    );
    expect(out.split('\r\n')[2]).toBe(
      '2,inbound,TCP,203.0.113.0/24,1024-65535,FTPS server,50000-50004,FTPS passive data 50000-50004,both',
    );
  });

  test('the ftps-rules bin is linked and runs', () => {
    const out = run(
      path.join(app, 'node_modules/.bin/ftps-rules'),
      ['worksheet', '--passive', '50000-50004', '--format', 'json'],
      app,
    );
    expect(JSON.parse(out).rows).toHaveLength(4);
  });

  describe('an AWS CDK app that installs the tarball with its peers', () => {
    let awsApp: string;

    beforeAll(() => {
      awsApp = path.join(path.dirname(app), 'aws-app');
      fs.mkdirSync(awsApp);
      fs.writeFileSync(
        path.join(awsApp, 'package.json'),
        JSON.stringify({ name: 'aws-app', version: '1.0.0', private: true }),
      );
      const peers = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).devDependencies;
      run(
        'npm',
        [
          'install',
          '--prefer-offline',
          '--no-audit',
          '--no-fund',
          tarball,
          `aws-cdk-lib@${peers['aws-cdk-lib']}`,
          `constructs@${peers.constructs}`,
        ],
        awsApp,
      );
    }, 180_000);

    test('the seed endpoint synthesizes exactly ingress TCP 21 and 50000-50004 from 203.0.113.0/24, nothing else opened', () => {
      const program = [
        "const { App, Stack } = require('aws-cdk-lib');",
        "const ec2 = require('aws-cdk-lib/aws-ec2');",
        "const { FtpsEndpoint } = require('ftps-constructs/aws');",
        'const app = new App();',
        "const stack = new Stack(app, 'S');",
        "const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-12345678', availabilityZones: ['us-east-1a'] });",
        "new FtpsEndpoint(stack, 'Ftps', { vpc, passivePorts: { from: 50000, to: 50004 }, clients: [ec2.Peer.ipv4('203.0.113.0/24')] });",
        "process.stdout.write(JSON.stringify(app.synth().getStackByName('S').template.Resources));",
      ].join('\n');
      const resources = Object.values(JSON.parse(run(process.execPath, ['-e', program], awsApp))) as Array<{
        Type: string;
        Properties: Record<string, unknown>;
      }>;
      expect(resources.map((r) => r.Type)).toEqual(['AWS::EC2::SecurityGroup']);
      expect(resources[0].Properties.SecurityGroupIngress).toEqual([
        {
          CidrIp: '203.0.113.0/24',
          Description: 'FTPS control (explicit)',
          FromPort: 21,
          IpProtocol: 'tcp',
          ToPort: 21,
        },
        {
          CidrIp: '203.0.113.0/24',
          Description: 'FTPS passive data 50000-50004',
          FromPort: 50000,
          IpProtocol: 'tcp',
          ToPort: 50004,
        },
      ]);
      // The only egress entry is CDK's "disallow all" placeholder (ICMP type 252, code 86, to a broadcast address).
      expect(resources[0].Properties.SecurityGroupEgress).toEqual([
        {
          CidrIp: '255.255.255.255/32',
          Description: 'Disallow all traffic',
          FromPort: 252,
          IpProtocol: 'icmp',
          ToPort: 86,
        },
      ]);
    });

    test('TypeScript resolves the declarations of the core entry point (core-only app) and of ftps-constructs/aws', () => {
      fs.writeFileSync(
        path.join(app, 'index.ts'),
        "import { FtpsTls, FtpsOptions, planFtps } from 'ftps-constructs';\nconst o: FtpsOptions = { tls: FtpsTls.IMPLICIT, passivePorts: { from: 50000, to: 50009 } };\nexport const n: number = planFtps(o).flows.length;\n",
      );
      fs.writeFileSync(
        path.join(awsApp, 'index.ts'),
        "import * as ec2 from 'aws-cdk-lib/aws-ec2';\nimport { FtpsEndpoint, FtpsEndpointProps } from 'ftps-constructs/aws';\nexport const make = (p: FtpsEndpointProps): ec2.IConnectable[] | undefined => p.clients;\nexport type E = FtpsEndpoint;\n",
      );
      // One program, two apps: each file resolves its imports from its own app's node_modules.
      run(
        process.execPath,
        [
          path.join(root, 'node_modules/typescript/bin/tsc'),
          '--noEmit',
          '--strict',
          '--skipLibCheck',
          '--module',
          'node16',
          '--moduleResolution',
          'node16',
          '--types',
          'node',
          '--typeRoots',
          path.join(root, 'node_modules/@types'),
          path.join(app, 'index.ts'),
          path.join(awsApp, 'index.ts'),
        ],
        path.dirname(app), // not the repository: TypeScript 6 refuses command-line files beside a tsconfig.json
      );
    });
  });

  // The README's Azure example, in a fresh app of each framework, installed as the package README says.
  describe.each([
    {
      framework: 'cdktf',
      entry: 'ftps-constructs/azure',
      provider: '@cdktf/provider-azurerm',
      installs: (dev: Record<string, string>) => [
        `cdktf@${dev.cdktf}`,
        `@cdktf/provider-azurerm@${dev['@cdktf/provider-azurerm']}`,
        `constructs@${dev.constructs}`,
      ],
      overrides: undefined,
    },
    {
      framework: 'cdktn',
      entry: 'ftps-constructs/cdktn/azure',
      provider: '@cdktn/provider-azurerm',
      installs: (dev: Record<string, string>) => [
        `cdktn@${dev.cdktn}`,
        `@cdktn/provider-azurerm@${dev['@cdktn/provider-azurerm']}`,
        `constructs@${dev.constructs}`,
      ],
      // The line docs/package-readme.md gives, while the fork's provider declares cdktn ^0.23.0.
      overrides: { '@cdktn/provider-azurerm': { cdktn: '$cdktn' } },
    },
  ])('a $framework app that installs the tarball', ({ framework, entry, provider, installs, overrides }) => {
    let tfApp: string;

    beforeAll(() => {
      tfApp = path.join(path.dirname(app), `${framework}-app`);
      fs.mkdirSync(tfApp);
      fs.writeFileSync(
        path.join(tfApp, 'package.json'),
        JSON.stringify({ name: `${framework}-app`, version: '1.0.0', private: true, overrides }),
      );
      const dev = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).devDependencies;
      run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, ...installs(dev)], tfApp);
    }, 180_000);

    test("the README's example synthesizes one NSG rule: inbound TCP 21 and 50000-50004 from 203.0.113.0/24, nothing else", () => {
      const program = [
        `const { TerraformStack, Testing } = require('${framework}');`,
        `const { AzurermProvider } = require('${provider}/lib/provider');`,
        `const { FtpsEndpoint } = require('${entry}');`,
        "const stack = new TerraformStack(Testing.app(), 'tf');",
        "new AzurermProvider(stack, 'azurerm', { features: [{}] });",
        "new FtpsEndpoint(stack, 'Ftps', { resourceGroupName: 'rg', location: 'westeurope', passivePorts: { from: 50000, to: 50004 }, clients: ['203.0.113.0/24'] });",
        'process.stdout.write(Testing.synth(stack, true));',
      ].join('\n');
      const tf = JSON.parse(run(process.execPath, ['-e', program], tfApp));
      expect(Object.keys(tf.resource).sort()).toEqual([
        'azurerm_network_security_group',
        'azurerm_network_security_rule',
      ]);
      const nsg = Object.values(tf.resource.azurerm_network_security_group) as Array<Record<string, unknown>>;
      expect(nsg).toHaveLength(1);
      expect(nsg[0].security_rule).toBeUndefined(); // no inline rules
      const rules = Object.values(tf.resource.azurerm_network_security_rule) as Array<Record<string, unknown>>;
      expect(rules).toHaveLength(1);
      expect(rules[0]).toMatchObject({
        direction: 'Inbound',
        access: 'Allow',
        protocol: 'Tcp',
        source_address_prefix: '203.0.113.0/24',
        source_port_range: '*',
        destination_address_prefix: '*',
        destination_port_ranges: ['21', '50000-50004'],
      });
    });

    test.each(['node10', 'nodenext'])('TypeScript with moduleResolution %s resolves the entry point', (resolution) => {
      const file = path.join(tfApp, `index-${resolution}.ts`);
      fs.writeFileSync(
        file,
        [
          "import { FtpsTls, planFtps } from 'ftps-constructs';",
          `import { FtpsEndpoint, FtpsEndpointProps } from '${entry}';`,
          "import { FtpsEndpoint as AwsEndpoint } from 'ftps-constructs/aws';",
          "export const props: FtpsEndpointProps = { resourceGroupName: 'rg', location: 'westeurope', passivePorts: { from: 50000, to: 50009 }, clients: ['203.0.113.0/24'], tls: FtpsTls.EXPLICIT };",
          'export type E = FtpsEndpoint;',
          'export type A = AwsEndpoint;',
          'export const n: number = planFtps(props).flows.length;',
          '',
        ].join('\n'),
      );
      const module = resolution === 'node10' ? 'commonjs' : 'nodenext';
      run(
        process.execPath,
        [
          path.join(root, 'node_modules/typescript/bin/tsc'),
          '--noEmit',
          '--strict',
          '--skipLibCheck',
          '--module',
          module,
          '--moduleResolution',
          resolution,
          // TypeScript 6 deprecates node10 resolution, which many 5.x projects still use ("node").
          ...(resolution === 'node10' ? ['--ignoreDeprecations', '6.0'] : []),
          '--types',
          'node',
          '--typeRoots',
          path.join(root, 'node_modules/@types'),
          file,
        ],
        path.dirname(app),
      );
    });
  });
});
