import { execFileSync } from 'node:child_process';
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
  const run = (cmd: string, args: string[], cwd: string): string => {
    try {
      return execFileSync(cmd, args, {
        cwd,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, npm_config_loglevel: 'error' },
      });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(`${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    }
  };

  beforeAll(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftps-pack-'));
    const out = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], root);
    tarball = path.join(dir, JSON.parse(out)[0].filename);
    app = path.join(dir, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], app);
  }, 180_000);

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

  describe('a CDK for Terraform app that installs the tarball', () => {
    let tfApp: string;

    beforeAll(() => {
      tfApp = path.join(path.dirname(app), 'tf-app');
      fs.mkdirSync(tfApp);
      fs.writeFileSync(
        path.join(tfApp, 'package.json'),
        JSON.stringify({ name: 'tf-app', version: '1.0.0', private: true }),
      );
      run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], tfApp);
      // The peers are linked from this repository (the azurerm provider is 269 MB): what is tested is that the
      // installed package finds them in the app's node_modules.
      for (const peer of ['cdktf', '@cdktf/provider-azurerm', 'constructs']) {
        fs.mkdirSync(path.dirname(path.join(tfApp, 'node_modules', peer)), { recursive: true });
        fs.symlinkSync(path.join(root, 'node_modules', peer), path.join(tfApp, 'node_modules', peer), 'dir');
      }
    }, 180_000);

    test('the seed endpoint synthesizes one NSG rule: inbound TCP 21 and 50000-50004 from 203.0.113.0/24, nothing else', () => {
      const program = [
        "const { App, TerraformStack, Testing } = require('cdktf');",
        "const { AzurermProvider } = require('@cdktf/provider-azurerm/lib/provider');",
        "const { FtpsEndpoint } = require('ftps-constructs/azure');",
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
  });
});
