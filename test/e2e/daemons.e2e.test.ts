// Three FTP daemons, proven like vsftpd: each runs with the configuration the project renders (nothing added by the
// test) behind the firewall the project synthesizes, with curl, lftp, python3 ftplib and rclone as clients. Every
// cell of the client matrix passes or is a documented incompatibility, asserted as such; the matrix is written to
// test/e2e/reports/compatibility.md (the README's table is that file).
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { App, DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Testing, TerraformStack } from 'cdktf';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FtpsEndpoint } from '../../lib/aws';
import { FtpsEndpoint as AzureFtpsEndpoint } from '../../lib/azure';
import { bootScriptFile } from '../support/terraform-custom-data';
import { FtpsOptions, FtpsTls, renderProftpdConf } from '../../lib/core';
import { CLIENTS, ClientKind, clientSession } from './support/clients';
import { expectedIncompatibility } from './support/compatibility';
import {
  DAEMONS,
  DaemonKind,
  DaemonSettings,
  requireDaemons,
  proftpdModules,
  proftpdRefuses,
  startDaemon,
  startFromBootFile,
} from './support/daemons';
import { USER, Workspace, ftpsSession, tcpReachable } from './support/ftp';
import { e2eGate } from './support/prerequisites';
import { awsEndpointRules, awsServer, azureServer } from './support/servers';
import { probeFrom } from './support/probe';
import { Topology } from './support/topology';
import { cfnToNft } from './support/translate-cfn';
import { terraformToNft } from './support/translate-tf';

const gate = e2eGate();
const suite = gate.run ? describe : describe.skip;
const PASSED = { ok: true, step: 'done', detail: 'checksums match' };
const SEED: FtpsOptions = { passivePorts: { from: 50000, to: 50004 } };
/** The boot scripts' heredoc markers, as the templates carry them (not imported from lib/). */
const BOOT_MARKERS = { proftpd: 'FTPS_CONSTRUCTS_PROFTPD_CONF', 'pure-ftpd': 'FTPS_CONSTRUCTS_PUREFTPD_UNIT' } as const;

let topo: Topology;
let ws: Workspace;

suite('Three FTP daemons end to end', () => {
  beforeAll(() => {
    requireDaemons(gate.missing);
    topo = new Topology();
    ws = new Workspace();
  }, 60_000);

  afterAll(() => {
    topo?.destroy();
    ws?.remove();
  });

  /** The AWS security group of the seed endpoint (or implicit), for the inside client's networks. */
  const awsRules = (options: FtpsOptions) => awsEndpointRules(options);

  /** The security group and network ACL (stateless, with its reply entries) of the seed endpoint. */
  function awsNaclRules(options: FtpsOptions): string {
    const app = new App();
    const stack = new Stack(app, 'E2e', {
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
    });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-12345678', availabilityZones: ['us-east-1a'] });
    const acl = new ec2.NetworkAcl(stack, 'Acl', { vpc });
    const endpoint = new FtpsEndpoint(stack, 'Ftps', {
      vpc,
      ...options,
      networkAcl: acl,
      clients: [ec2.Peer.ipv4('203.0.113.0/25')],
    });
    const template = app.synth().getStackByName('E2e').template;
    return cfnToNft(template, {
      securityGroup: stack.getLogicalId(endpoint.securityGroup.node.defaultChild as never),
      networkAcl: stack.getLogicalId(acl.node.defaultChild as never),
    });
  }

  function azureRules(options: FtpsOptions): string {
    const stack = new TerraformStack(Testing.app(), 'e2e');
    new AzurermProvider(stack, 'azurerm', { features: [{}] });
    new AzureFtpsEndpoint(stack, 'Ftps', {
      resourceGroupName: 'rg',
      location: 'westeurope',
      ...options,
      clients: ['203.0.113.0/25', '2001:db8:2::/120'],
    });
    const tf = JSON.parse(Testing.synth(stack, true));
    const nsg = (Object.values(tf.resource.azurerm_network_security_rule)[0] as { network_security_group_name: string })
      .network_security_group_name;
    return terraformToNft(tf, { nsg, self: [topo.server.v4, topo.server.v6], virtualNetwork: ['198.51.100.0/24'] });
  }

  function withDaemon(
    kind: DaemonKind,
    options: FtpsOptions,
    rules: string,
    body: () => void,
    settings: DaemonSettings = {},
  ): void {
    topo.firewall(topo.server, rules);
    const daemon = startDaemon(kind, ws, topo.server, options, settings);
    try {
      body();
    } finally {
      daemon.stop();
      topo.firewall(topo.server, '');
    }
  }

  const session = (mode: 'epsv' | 'pasv', o: { tls?: FtpsTls; port: number }, server = topo.server.v4) =>
    ftpsSession(ws, {
      client: topo.inside,
      server,
      tls: o.tls === FtpsTls.IMPLICIT ? 'implicit' : 'explicit',
      port: o.port,
      mode,
    });

  describe.each(DAEMONS)('%s', (kind) => {
    test('AWS security group: explicit FTPS with EPSV and PASV over IPv4, EPSV over IPv6; the outside client is dropped', () => {
      withDaemon(kind, SEED, awsRules(SEED), () => {
        expect(session('epsv', { port: 21 })).toEqual(PASSED);
        expect(session('pasv', { port: 21 })).toEqual(PASSED);
        expect(session('epsv', { port: 21 }, topo.server.v6)).toEqual(PASSED);
        expect(tcpReachable(topo.outside, topo.server.v4, 21)).toBe(false);
      });
    });

    test('AWS network ACL (stateless) with the security group: EPSV and PASV over IPv4', () => {
      withDaemon(kind, SEED, awsNaclRules(SEED), () => {
        expect(session('epsv', { port: 21 })).toEqual(PASSED);
        expect(session('pasv', { port: 21 })).toEqual(PASSED);
      });
    });

    test('Azure NSG: explicit FTPS with EPSV over IPv4', () => {
      withDaemon(kind, SEED, azureRules(SEED), () => expect(session('epsv', { port: 21 })).toEqual(PASSED));
    });

    if (kind !== 'pure-ftpd') {
      test('implicit FTPS on 990, and nothing listens on 21', () => {
        const implicit = { ...SEED, tls: FtpsTls.IMPLICIT };
        withDaemon(kind, implicit, awsRules(implicit), () => {
          expect(session('epsv', { tls: FtpsTls.IMPLICIT, port: 990 })).toEqual(PASSED);
          topo.firewall(topo.server, '');
          expect(tcpReachable(topo.inside, topo.server.v4, 21)).toBe(false);
        });
      });
    }

    test('negative control: the passive range closed in the firewall fails the data connection', () => {
      const rules = awsRules(SEED).replace(/^.*dport 50000-50004.*$/gm, '');
      withDaemon(kind, SEED, rules, () => {
        const r = ftpsSession(ws, {
          client: topo.inside,
          server: topo.server.v4,
          tls: 'explicit',
          port: 21,
          mode: 'epsv',
          timeoutSeconds: 3,
        });
        expect(r.ok).toBe(false);
      });
    });
  });

  describe('client matrix (explicit FTPS, passive, through the AWS security group)', () => {
    const results: Array<{ daemon: DaemonKind; reuse: boolean; client: ClientKind; ok: boolean; detail: string }> = [];
    afterAll(() => {
      const dir = path.resolve(__dirname, 'reports');
      fs.mkdirSync(dir, { recursive: true });
      const rows = results.map(
        (r) =>
          `| ${r.daemon} | ${r.client} | ${r.reuse ? 'required' : 'not required'} | ${r.ok ? 'pass' : 'fail'} | ${r.detail.replace(/\|/g, '/')} |`,
      );
      fs.writeFileSync(
        path.join(dir, 'compatibility.md'),
        [
          '# Client matrix',
          '',
          '| daemon | client | session reuse | result | detail |',
          '|---|---|---|---|---|',
          ...rows,
          '',
        ].join('\n'),
      );
    });
    describe.each(DAEMONS)('%s', (kind) => {
      test.each([true, false])('session reuse required: %s — every cell passes or fails as documented', (reuse) => {
        withDaemon(
          kind,
          SEED,
          awsRules(SEED),
          () => {
            for (const client of CLIENTS) {
              const r = clientSession(client, ws, {
                client: topo.inside,
                server: topo.server.v4,
                port: 21,
                timeoutSeconds: 5,
              });
              results.push({ daemon: kind, reuse, client, ok: r.ok, detail: r.detail });
            }
          },
          { requireSessionReuse: reuse },
        );
        const cells = results.filter((x) => x.daemon === kind && x.reuse === reuse);
        expect(cells.map((x) => `${x.client}: ${x.ok ? 'pass' : 'fail'}`)).toEqual(
          CLIENTS.map((c) => `${c}: ${expectedIncompatibility(kind, c, reuse) ? 'fail' : 'pass'}`),
        );
      });
    });
  });

  describe('deployable servers: the ProFTPD and Pure-FTPd configuration inside the synthesized boot scripts', () => {
    const awsBootFile = (daemon: 'proftpd' | 'pure-ftpd') => {
      const { script, rules } = awsServer(topo.server.v4, { daemon });
      return { file: bootScriptFile(script, BOOT_MARKERS[daemon]), rules };
    };
    const azureBootFile = (daemon: 'proftpd' | 'pure-ftpd') => {
      const { script, rules } = azureServer(topo.server, { daemon });
      return { file: bootScriptFile(script, BOOT_MARKERS[daemon]), rules };
    };

    describe.each(['proftpd', 'pure-ftpd'] as const)('%s', (daemon) => {
      test.each([
        ['AWS FtpsServer user data', awsBootFile],
        ['Azure FtpsServer custom data', azureBootFile],
      ])('%s: PASV (to the advertised address) and EPSV sessions behind the synthesized firewall', (_name, boot) => {
        const { file, rules } = boot(daemon);
        topo.firewall(topo.server, rules);
        const d = startFromBootFile(daemon, ws, topo.server, file, 21);
        try {
          expect(session('pasv', { port: 21 })).toEqual(PASSED);
          expect(session('epsv', { port: 21 })).toEqual(PASSED);
        } finally {
          d.stop();
          topo.firewall(topo.server, '');
        }
      });
    });
  });

  test('the probe sees the field failure: a ProFTPD whose TLS block is skipped (an IfModule fragment without the module)', () => {
    // GIVEN the configuration as a stock-Debian fragment would have it: TLS inside <IfModule mod_tls.c>, and the
    // module never loaded (Debian's modules.conf ships LoadModule mod_tls.c commented out)
    const rendered = renderProftpdConf(SEED, {
      certificateFile: ws.cert,
      privateKeyFile: ws.key,
      modulePath: proftpdModules,
    });
    const lines = rendered.split('\n').filter((l) => l !== 'LoadModule mod_tls.c');
    const first = lines.findIndex((l) => l.startsWith('TLS'));
    const fragment = [
      ...lines.slice(0, first),
      '<IfModule mod_tls.c>',
      ...lines.slice(first).filter(Boolean),
      '</IfModule>',
      '',
    ].join('\n');
    topo.firewall(topo.server, awsRules(SEED));
    const daemon = startFromBootFile('proftpd', ws, topo.server, fragment, 21);
    try {
      // WHEN probed
      const r = probeFrom(topo.inside, [topo.server.v4, '--user', USER, '--timeout', '5', '--format', 'json'], 60_000);
      // THEN: it answers AUTH TLS with 500 and takes a password in clear; the probe says both, exit 1
      expect(r.status).toBe(1);
      const report = JSON.parse(r.stdout) as { diagnoses: Array<{ id: string; message: string }> };
      expect(report.diagnoses.map((d) => d.id)).toEqual([
        'ftps-constructs:probePlainFtpAccepted',
        'ftps-constructs:probeTlsNotOffered',
      ]);
      expect(report.diagnoses[1].message).toMatch(/500 AUTH not understood/);
    } finally {
      daemon.stop();
      topo.firewall(topo.server, '');
    }
  });

  test('ProFTPD without mod_tls refuses to start: never plain FTP', () => {
    // GIVEN the rendered configuration on a ProFTPD whose module directory has no mod_tls (Debian's proftpd-core
    // without proftpd-mod-crypto)
    const empty = path.join(ws.dir, 'modules-without-tls');
    fs.mkdirSync(empty, { recursive: true });
    const conf = renderProftpdConf(SEED, { certificateFile: ws.cert, privateKeyFile: ws.key, modulePath: empty });
    // THEN it exits at once with the module named, and nothing ever listens
    const r = proftpdRefuses(ws, conf);
    expect(r).toMatchObject({
      status: 1,
      output: expect.stringMatching(/LoadModule: error loading module 'mod_tls\.c'/),
    });
    // AND the same file with the module directory that has it starts (the refusal is the module's absence)
    const ok = renderProftpdConf(SEED, {
      certificateFile: ws.cert,
      privateKeyFile: ws.key,
      modulePath: proftpdModules,
    });
    expect(ok.replace(proftpdModules, empty)).toEqual(conf);
  });
});
