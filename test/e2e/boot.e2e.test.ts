// The deployable servers booted for real: the exact user data (AWS) and custom data (Azure) from the synthesized
// templates run as a systemd unit at boot in a Debian 12 guest (systemd-nspawn, systemd as PID 1) in the server
// namespace of the topology, with the cloud faked by stand-in `aws` and `curl` commands; then FTPS sessions for
// each user from the client namespace through the synthesized firewall. Proven: the apt branch on Debian 12
// under systemd; not proven: Amazon Linux 2023's dnf branch, Ubuntu 24.04 itself, the real metadata services.
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { App, DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Testing, TerraformStack } from 'cdktf';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { FtpsServer } from '../../lib/aws';
import { FtpsServer as AzureFtpsServer } from '../../lib/azure';
import { cfnText } from '../aws/fixtures';
import { customDataText } from '../support/terraform-custom-data';
import { Workspace, ftpsSession } from './support/ftp';
import { FakeAnswer, Guest, missingBootTools, rootfsTarball } from './support/guest';
import { e2eGate } from './support/prerequisites';
import { Topology, run } from './support/topology';
import { cfnToNft } from './support/translate-cfn';
import { terraformToNft } from './support/translate-tf';

const gate = e2eGate();
const suite = gate.run ? describe : describe.skip;
const PASSED = { ok: true, step: 'done', detail: 'checksums match' };
const USERS = { alice: 'Alice-pass-1', bob: 'Bob-pass-22' };
const THUMBPRINT = '0123456789ABCDEF0123456789ABCDEF01234567';
const CERT_ARN = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:ftps/cert-AbCdEf';
const USERS_URI = 'https://kv-ftps.vault.azure.net/secrets/ftps-users';

let topo: Topology;
let ws: Workspace;
let tarball: string;

suite('Deployable servers booted under systemd', () => {
  beforeAll(() => {
    const missing = [...gate.missing, ...missingBootTools()];
    if (missing.length > 0) throw new Error(`needs ${missing.join(', ')} (CI installs them in .ci/run)`);
    tarball = rootfsTarball();
    topo = new Topology();
    ws = new Workspace();
  }, 700_000);

  afterAll(() => {
    topo?.destroy();
    ws?.remove();
  });

  const certificate = () => fs.readFileSync(ws.cert, 'utf8');
  const privateKey = () => fs.readFileSync(ws.key, 'utf8');
  const fingerprint = (pem: string) =>
    createHash('sha256')
      .update(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'))
      .digest('hex');

  /** The AWS server's user data as EC2 runs it, on Debian (apt), with the region and Elastic IP it will have. */
  function awsServer(daemon: 'vsftpd' | 'proftpd' | 'pure-ftpd' = 'vsftpd') {
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Boot', {
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
    });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'PublicVpc', {
      vpcId: 'vpc-12345678',
      availabilityZones: ['us-east-1a'],
      publicSubnetIds: ['subnet-12345678'],
      publicSubnetRouteTableIds: ['rtb-12345678'],
    });
    const server = new FtpsServer(stack, 'Server', {
      vpc,
      daemon,
      packageManager: 'apt',
      machineImage: ec2.MachineImage.genericLinux({ 'us-east-1': 'ami-12345678' }),
      passivePorts: { from: 50000, to: 50009 },
      clients: [ec2.Peer.ipv4('203.0.113.0/25')],
      certificateSecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Cert', CERT_ARN),
      usersSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Users', 'ftps/users'),
    });
    const template = app.synth().getStackByName('Boot').template;
    const [instance] = Object.values<{ Type: string; Properties: Record<string, unknown> }>(template.Resources).filter(
      (r) => r.Type === 'AWS::EC2::Instance',
    );
    const [eip] = Object.keys(template.Resources).filter((k) => template.Resources[k].Type === 'AWS::EC2::EIP');
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const script = cfnText(instance.Properties.UserData)
      .replaceAll(`{GetAtt:${eip}.PublicIp}`, topo.server.v4)
      .replaceAll(b64('{Ref:AWS::Region}'), b64('us-east-1'));
    return {
      script,
      rules: cfnToNft(template, {
        securityGroup: stack.getLogicalId(server.endpoint.securityGroup.node.defaultChild as never),
      }),
    };
  }

  function awsAnswers(users: string): FakeAnswer[] {
    return [
      {
        command: 'aws',
        match: CERT_ARN,
        stdout: JSON.stringify({ certificate: certificate(), privateKey: privateKey() }),
      },
      { command: 'aws', match: 'ftps/users', stdout: users },
    ];
  }

  /** The Azure server's custom data as cloud-init runs it, with the public IP it will have. */
  function azureServer(daemon: 'vsftpd' | 'proftpd' | 'pure-ftpd' = 'vsftpd') {
    const stack = new TerraformStack(Testing.app(), 'boot');
    new AzurermProvider(stack, 'azurerm', { features: [{}] });
    new AzureFtpsServer(stack, 'Server', {
      resourceGroupName: 'rg',
      location: 'westeurope',
      subnetId: 'subnet',
      daemon,
      passivePorts: { from: 50000, to: 50009 },
      clients: ['203.0.113.0/25'],
      adminSshPublicKey: 'ssh-ed25519 AAAA boot',
      keyVaultCertificate: {
        keyVaultId: '/subscriptions/s/kv',
        secretId: 'https://kv-ftps.vault.azure.net/secrets/c/1',
        thumbprint: THUMBPRINT,
      },
      usersSecret: { keyVaultId: '/subscriptions/s/kv', secretUri: USERS_URI },
    });
    const tf = JSON.parse(Testing.synth(stack, true));
    const [vm] = Object.values(tf.resource.azurerm_linux_virtual_machine) as Array<{ custom_data: string }>;
    const nsg = (Object.values(tf.resource.azurerm_network_security_rule)[0] as { network_security_group_name: string })
      .network_security_group_name;
    return {
      script: customDataText(vm.custom_data, (e) => {
        if (/^azurerm_public_ip\.\w+\.ip_address$/.test(e)) return topo.server.v4;
        throw new Error(`unexpected expression in custom_data: ${e}`);
      }),
      rules: terraformToNft(tf, { nsg, self: [topo.server.v4, topo.server.v6], virtualNetwork: ['198.51.100.0/24'] }),
      // What the Azure agent writes before custom data runs: the Key Vault certificate, named by its thumbprint.
      files: {
        [`/var/lib/waagent/${THUMBPRINT}.crt`]: certificate(),
        [`/var/lib/waagent/${THUMBPRINT}.prv`]: privateKey(),
      },
      answers: [
        {
          command: 'curl',
          match: 'metadata/identity/oauth2/token',
          stdout: JSON.stringify({ access_token: 'fake-token' }),
        },
        { command: 'curl', match: USERS_URI, stdout: JSON.stringify({ value: JSON.stringify(USERS) }), http: 200 },
      ] as FakeAnswer[],
    };
  }

  /** Boots, runs `body`, always powers off. */
  function boot(script: string, answers: readonly FakeAnswer[], rules: string, body: (g: Guest) => void, files = {}) {
    topo.firewall(topo.server, rules);
    const guest = new Guest(tarball, topo.server.ns, { script, answers, files });
    try {
      body(guest);
    } finally {
      guest.stop();
      topo.firewall(topo.server, '');
    }
  }

  /** The served certificate, read by a TLS client from the client namespace (explicit FTPS). */
  function servedFingerprint(): string {
    const r = run(
      'sh',
      [
        '-c',
        `openssl s_client -connect ${topo.server.v4}:21 -starttls ftp </dev/null 2>/dev/null | openssl x509 -outform PEM`,
      ],
      {
        ns: topo.inside.ns,
        timeoutMs: 15_000,
      },
    );
    return fingerprint(r.stdout);
  }

  function expectWorkingServer(g: Guest, service: string, dropIn: boolean) {
    const result = g.waitForBootScript();
    if (result !== 'success 0') throw new Error(`boot script: ${result}\n${g.journal().slice(-3000)}`);
    const show = g.exec(['systemctl', 'show', service, '-p', 'ActiveState', '-p', 'DropInPaths']).stdout;
    expect(show).toContain('ActiveState=active');
    if (dropIn) expect(show).toMatch(/DropInPaths=.*ftps-constructs\.conf/);
    for (const user of Object.keys(USERS)) {
      expect(g.exec(['getent', 'passwd', user]).stdout).toMatch(
        new RegExp(`^${user}:x:\\d+:\\d+::/srv/ftps/${user}:/usr/sbin/nologin$`, 'm'),
      );
    }
    expect(servedFingerprint()).toBe(fingerprint(certificate()));
    for (const [user, password] of Object.entries(USERS)) {
      const r = ftpsSession(ws, {
        client: topo.inside,
        server: topo.server.v4,
        tls: 'explicit',
        port: 21,
        mode: 'pasv',
        user,
        password,
      });
      if (!r.ok) {
        const log = g.exec(['journalctl', '--no-pager', '-o', 'cat', '-u', service]).stdout.slice(-2000);
        throw new Error(`session of ${user}: ${r.detail}\n${service} journal:\n${log}`);
      }
      expect([user, r]).toEqual([user, PASSED]);
    }
  }

  test('AWS FtpsServer (vsftpd, the apt branch): the user data boots a working server with the secrets it asked for', () => {
    const { script, rules } = awsServer();
    boot(script, awsAnswers(JSON.stringify(USERS)), rules, (g) => {
      expectWorkingServer(g, 'vsftpd', true);
      // The script asked the fake cloud for exactly the two secrets, in the stack's region
      const asked = g.calls().filter((c) => c[0] === 'aws');
      expect(asked.map((c) => [c[c.indexOf('--region') + 1], c[c.indexOf('--secret-id') + 1]])).toEqual([
        ['us-east-1', CERT_ARN],
        ['us-east-1', 'ftps/users'],
      ]);
    });
  });

  test('Azure FtpsServer (vsftpd): the custom data boots a working server with the Key Vault certificate and users', () => {
    const { script, rules, files, answers } = azureServer();
    boot(
      script,
      answers,
      rules,
      (g) => {
        expectWorkingServer(g, 'vsftpd', true);
        const urls = g.calls().map((c) => c.find((a) => a.startsWith('http')));
        expect(urls).toEqual([
          'http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net',
          `${USERS_URI}?api-version=7.4`,
        ]);
      },
      files,
    );
  });

  test.each(['proftpd', 'pure-ftpd'] as const)(
    'AWS FtpsServer with %s: the user data boots a working server',
    (daemon) => {
      const { script, rules } = awsServer(daemon);
      boot(script, awsAnswers(JSON.stringify(USERS)), rules, (g) =>
        expectWorkingServer(g, daemon === 'proftpd' ? 'proftpd' : 'pure-ftpd-ftps', false),
      );
    },
  );

  test.each(['proftpd', 'pure-ftpd'] as const)(
    'Azure FtpsServer with %s: the custom data boots a working server',
    (daemon) => {
      const { script, rules, files, answers } = azureServer(daemon);
      boot(
        script,
        answers,
        rules,
        (g) => expectWorkingServer(g, daemon === 'proftpd' ? 'proftpd' : 'pure-ftpd-ftps', false),
        files,
      );
    },
  );

  test.each([
    [
      'a users secret that cannot be read',
      [{ command: 'aws', match: 'ftps/users', exit: 254 }] as FakeAnswer[],
      'ftps-constructs: cannot read the users secret from Secrets Manager; stopping before the FTP daemon starts',
    ],
    [
      'malformed users JSON',
      null,
      'ftps-constructs: the users secret must be a JSON object of user names to passwords',
    ],
    [
      'a user name that is not allowed',
      '{"Root;x": "p"}',
      "ftps-constructs: invalid user name or password for 'Root;x'",
    ],
  ])(
    'AWS: %s fails the boot fast, with a clear line in the journal and no daemon listening',
    (_name, special, line) => {
      const { script, rules } = awsServer();
      const answers =
        special === null
          ? awsAnswers('["alice"]')
          : typeof special === 'string'
            ? awsAnswers(special)
            : [...special, ...awsAnswers(JSON.stringify(USERS))];
      boot(script, answers, rules, (g) => {
        expect(g.waitForBootScript()).toMatch(/^exit-code [1-9]/);
        expect(g.journal()).toContain(line);
        expect(g.exec(['systemctl', 'is-active', 'vsftpd']).stdout.trim()).not.toBe('active');
        expect(run('ss', ['-Htln', 'sport = :21'], { ns: topo.server.ns }).stdout.trim()).toBe('');
      });
    },
  );
});
