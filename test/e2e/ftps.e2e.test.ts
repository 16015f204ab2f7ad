// End-to-end proof: templates synthesized by the project's own constructs, translated (by test code that
// imports nothing from lib/) into nftables in network namespaces, admit a real FTPS session between a real
// vsftpd and real clients (curl, lftp), and nothing else. Run with `npm run test:e2e` (root, Linux).
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { App, DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Testing, TerraformStack } from 'cdktf';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { FtpsEndpoint } from '../../lib/aws';
import { FtpsEndpoint as AzureFtpsEndpoint } from '../../lib/azure';
import { bootScriptConf, confEntries } from '../support/terraform-custom-data';
import { FtpsTls, ResolvedFtpsOptions } from '../../lib/core';
import {
  PASSWORD,
  USER,
  Vsftpd,
  Workspace,
  ftpsSession,
  listeners,
  tcpReachable,
  transientRetries,
} from './support/ftp';
import { cfnToNft, linkStacks } from './support/translate-cfn';
import { terraformToNft } from './support/translate-tf';
import { e2eGate } from './support/prerequisites';
import { awsServer, azureServer } from './support/servers';
import { probeFrom } from './support/probe';
import { Topology, writeNetnsEtc } from './support/topology';

const gate = e2eGate();
const suite = gate.run ? describe : describe.skip;

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

let topo: Topology;
let ws: Workspace;

suite('FTPS end to end', () => {
  beforeAll(() => {
    if (gate.missing.length > 0)
      throw new Error(
        `the end-to-end suite needs ${gate.missing.join(', ')} (CI installs them with apt-get in .ci/run)`,
      );
    // The FTP conntrack helper cannot read TLS; loaded, it could make wrong rules pass on plain FTP.
    if (fs.existsSync('/proc/modules'))
      expect(fs.readFileSync('/proc/modules', 'utf8')).not.toMatch(/^nf_conntrack_ftp /m);
    topo = new Topology();
    ws = new Workspace();
  }, 60_000);

  afterAll(() => {
    if (transientRetries > 0)
      process.stderr.write(`e2e: ${transientRetries} curl step(s) retried once after vsftpd's transient 426\n`);
    topo?.destroy();
    ws?.remove();
  });

  // ---- synthesis with the project's own constructs ----

  function awsStack() {
    const app = new App();
    const stack = new Stack(app, 'E2e', {
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
    });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-12345678', availabilityZones: ['us-east-1a'] });
    const synth = () => app.synth().getStackByName(stack.stackName).template as Template;
    return { stack, vpc, synth };
  }

  const logicalId = (stack: Stack, c: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(c.node.defaultChild as never);

  function settings(o: ResolvedFtpsOptions) {
    return {
      tls: o.tls === FtpsTls.IMPLICIT ? ('implicit' as const) : ('explicit' as const),
      controlPort: o.controlPort,
      passivePorts: o.passivePorts,
      activeMode: o.activeMode,
    };
  }

  /**
   * Runs body with vsftpd configured from the same options as the rules (or with `conf`, a configuration read
   * out of a template), and the given server firewall.
   */
  function withServer(
    o: ResolvedFtpsOptions,
    serverRules: string,
    body: () => void,
    clientRules?: string,
    conf?: string,
  ): void {
    topo.firewall(topo.server, serverRules);
    topo.firewall(topo.inside, clientRules ?? '');
    const vsftpd = new Vsftpd(ws, topo.server, { ...settings(o), conf });
    try {
      body();
    } finally {
      vsftpd.stop();
      topo.firewall(topo.server, '');
      topo.firewall(topo.inside, '');
    }
  }

  const session = (
    mode: 'epsv' | 'pasv' | 'active',
    o: ResolvedFtpsOptions,
    extra: Partial<Parameters<typeof ftpsSession>[1]> = {},
  ) =>
    ftpsSession(ws, {
      client: topo.inside,
      server: topo.server.v4,
      tls: settings(o).tls,
      port: o.controlPort,
      mode,
      ...extra,
    });

  const PASSED = { ok: true, step: 'done', detail: 'checksums match' };

  // ---- AWS ----

  describe('AWS security group (stateful)', () => {
    function seed(tls = FtpsTls.EXPLICIT) {
      const { stack, vpc, synth } = awsStack();
      const endpoint = new FtpsEndpoint(stack, 'Ftps', {
        vpc,
        tls,
        passivePorts: { from: 50000, to: 50004 },
        clients: [ec2.Peer.ipv4('203.0.113.0/25'), ec2.Peer.ipv6('2001:db8:2::/120')],
      });
      const template = synth();
      return {
        endpoint,
        template,
        rules: cfnToNft(template, { securityGroup: logicalId(stack, endpoint.securityGroup) }),
      };
    }

    test('explicit FTPS, passive: a session passes with EPSV and with PASV; the outside client is dropped', () => {
      const { endpoint, rules } = seed();
      withServer(endpoint.options, rules, () => {
        expect(session('epsv', endpoint.options)).toEqual(PASSED);
        expect(session('pasv', endpoint.options)).toEqual(PASSED);
        const outside = ftpsSession(ws, {
          client: topo.outside,
          server: topo.server.v4,
          tls: 'explicit',
          port: 21,
          mode: 'epsv',
          timeoutSeconds: 2,
        });
        expect(outside).toMatchObject({ ok: false, step: 'upload', detail: expect.stringMatching(/curl exit 28/) });
      });
    });

    test('implicit FTPS on 990', () => {
      const { endpoint, rules } = seed(FtpsTls.IMPLICIT);
      expect(endpoint.options.controlPort).toBe(990);
      withServer(endpoint.options, rules, () => expect(session('epsv', endpoint.options)).toEqual(PASSED));
    });

    test('IPv6 client (EPSV)', () => {
      const { endpoint, rules } = seed();
      withServer(endpoint.options, rules, () => {
        expect(session('epsv', endpoint.options, { server: topo.server.v6 })).toEqual(PASSED);
        // 2001:db8:2::200 is outside 2001:db8:2::/120
        expect(
          ftpsSession(ws, {
            client: topo.outside,
            server: topo.server.v6,
            tls: 'explicit',
            port: 21,
            mode: 'epsv',
            timeoutSeconds: 2,
          }).ok,
        ).toBe(false);
      });
    });

    test('active mode, with the client firewall built from the client-side rules', () => {
      // GIVEN a client group that allows nothing by itself, and the server group admitting it
      const { stack, vpc, synth } = awsStack();
      const clientSg = new ec2.SecurityGroup(stack, 'ClientSg', { vpc, allowAllOutbound: false });
      const endpoint = new FtpsEndpoint(stack, 'Ftps', {
        vpc,
        activeMode: true,
        passivePorts: { from: 50000, to: 50004 },
        clients: [clientSg],
      });
      const template = synth();
      const serverSg = logicalId(stack, endpoint.securityGroup);
      const client = logicalId(stack, clientSg);
      const references = { [client]: [`${topo.inside.v4}/32`], [serverSg]: [`${topo.server.v4}/32`] };
      const serverRules = cfnToNft(template, { securityGroup: serverSg, references });
      const clientRules = cfnToNft(template, { securityGroup: client, references });
      // THEN active (lftp, PORT) and passive sessions both pass through both firewalls
      withServer(
        endpoint.options,
        serverRules,
        () => {
          expect(session('active', endpoint.options)).toEqual(PASSED);
          expect(session('epsv', endpoint.options)).toEqual(PASSED);
        },
        clientRules,
      );
    });

    test('two stacks: the server stack owns VPC and endpoint, the consumer stack adds its client group (both firewalls)', () => {
      // GIVEN the layout that failed with DependencyCycle: Main owns the VPC and the endpoint, Consumer the client
      const app = new App();
      const synthesizer = () => new DefaultStackSynthesizer({ generateBootstrapVersionRule: false });
      const main = new Stack(app, 'Main', { synthesizer: synthesizer() });
      const vpc = new ec2.Vpc(main, 'Vpc', {
        maxAzs: 1,
        natGateways: 0,
        subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }],
      });
      const endpoint = new FtpsEndpoint(main, 'Ftps', { vpc, passivePorts: { from: 50000, to: 50004 } });
      const consumer = new Stack(app, 'Consumer', { synthesizer: synthesizer() });
      const batch = new ec2.SecurityGroup(consumer, 'Batch', { vpc, allowAllOutbound: false });
      // WHEN the consumer's code adds its group
      endpoint.allowClient(batch);
      const assembly = app.synth();
      const linked = linkStacks({
        Main: assembly.getStackByName('Main').template,
        Consumer: assembly.getStackByName('Consumer').template,
      });
      const serverSg = `Main.${logicalId(main, endpoint.securityGroup)}`;
      const clientSg = `Consumer.${logicalId(consumer, batch)}`;
      const references = { [clientSg]: [`${topo.inside.v4}/32`], [serverSg]: [`${topo.server.v4}/32`] };
      const serverRules = cfnToNft(linked, { securityGroup: serverSg, references });
      const clientRules = cfnToNft(linked, { securityGroup: clientSg, references });
      // THEN a session passes through the server's group and the client's own group, which allows nothing else out
      withServer(
        endpoint.options,
        serverRules,
        () => {
          expect(session('epsv', endpoint.options)).toEqual(PASSED);
          // With the server's firewall off, the client's own group alone still lets nothing but FTPS out
          topo.firewall(topo.server, '');
          const listening = listeners(topo.server, [2222]);
          try {
            expect(tcpReachable(topo.inside, topo.server.v4, 21)).toBe(true);
            expect(tcpReachable(topo.inside, topo.server.v4, 2222)).toBe(false);
          } finally {
            listening.stop();
          }
        },
        clientRules,
      );
      expect(clientRules).not.toContain('EC2 default egress');
    });

    test('negative control: the same template with the passive rule removed fails the session (the suite can fail)', () => {
      const { endpoint, template } = seed();
      const sgId = Object.keys(template.Resources).find(
        (k) => template.Resources[k].Type === 'AWS::EC2::SecurityGroup',
      )!;
      const props = template.Resources[sgId].Properties!;
      props.SecurityGroupIngress = (props.SecurityGroupIngress as Array<Record<string, unknown>>).filter(
        (r) => r.FromPort !== 50000,
      );
      withServer(endpoint.options, cfnToNft(template, { securityGroup: sgId }), () => {
        const r = session('epsv', endpoint.options, { timeoutSeconds: 3 });
        expect(r.ok).toBe(false);
        expect(r.step).toBe('upload'); // control and login work; the data connection is dropped
      });
    });

    test('negative control: ports just outside the passive range, and every other TCP port, are dropped', () => {
      const { endpoint, rules } = seed();
      withServer(endpoint.options, rules, () => {
        const probes = [20, 22, 80, 443, 989, 990, 2121, 8080, 49999, 50005, 65535];
        const listening = listeners(topo.server, [...probes, 50002]);
        try {
          expect(tcpReachable(topo.inside, topo.server.v4, 21)).toBe(true); // the probe method works
          for (const port of probes)
            expect([port, tcpReachable(topo.inside, topo.server.v4, port)]).toEqual([port, false]);
        } finally {
          listening.stop();
        }
        // Without the firewall the same listeners answer: the drops above are the firewall's.
        topo.firewall(topo.server, '');
        const again = listeners(topo.server, [50005]);
        try {
          expect(tcpReachable(topo.inside, topo.server.v4, 50005)).toBe(true);
        } finally {
          again.stop();
        }
      });
    });
  });

  describe('AWS network ACL (stateless) with the security group', () => {
    test('a session passes through NACL entries evaluated in order with no connection tracking', () => {
      const { stack, vpc, synth } = awsStack();
      const acl = new ec2.NetworkAcl(stack, 'Acl', { vpc });
      const endpoint = new FtpsEndpoint(stack, 'Ftps', {
        vpc,
        passivePorts: { from: 50000, to: 50004 },
        networkAcl: acl,
        clients: [ec2.Peer.ipv4('203.0.113.0/25')],
      });
      const template = synth();
      const rules = cfnToNft(template, {
        securityGroup: logicalId(stack, endpoint.securityGroup),
        networkAcl: logicalId(stack, acl),
      });
      expect(rules).toContain('chain nacl_out');
      withServer(endpoint.options, rules, () => {
        expect(session('epsv', endpoint.options)).toEqual(PASSED);
        expect(session('pasv', endpoint.options)).toEqual(PASSED);
      });
    });

    test('negative control: without the outbound reply entry, nothing gets back (stateless)', () => {
      const { stack, vpc, synth } = awsStack();
      const acl = new ec2.NetworkAcl(stack, 'Acl', { vpc });
      const endpoint = new FtpsEndpoint(stack, 'Ftps', {
        vpc,
        passivePorts: { from: 50000, to: 50004 },
        networkAcl: acl,
        clients: [ec2.Peer.ipv4('203.0.113.0/25')],
      });
      const template = synth();
      for (const [k, r] of Object.entries(template.Resources))
        if (r.Type === 'AWS::EC2::NetworkAclEntry' && r.Properties!.Egress) delete template.Resources[k];
      const rules = cfnToNft(template, {
        securityGroup: logicalId(stack, endpoint.securityGroup),
        networkAcl: logicalId(stack, acl),
      });
      withServer(endpoint.options, rules, () =>
        expect(session('epsv', endpoint.options, { timeoutSeconds: 2 }).ok).toBe(false),
      );
    });
  });

  // ---- Azure ----

  describe('Azure NSG (priorities, default rules, stateful)', () => {
    // This suite runs twice in CI: with CDK for Terraform, and with CDK Terrain (test/e2e/jest.cdktn.config.js).
    test('the rules below are synthesized by the Terraform CDK of this run', () => {
      const expected = (globalThis as { FTPS_CDK_FRAMEWORK?: string }).FTPS_CDK_FRAMEWORK ?? 'cdktf';
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      expect(require('cdktf/package.json').name).toBe(expected);
    });

    function azure(clients: string[]) {
      const stack = new TerraformStack(Testing.app(), 'e2e');
      new AzurermProvider(stack, 'azurerm', { features: [{}] });
      const endpoint = new AzureFtpsEndpoint(stack, 'Ftps', {
        resourceGroupName: 'rg',
        location: 'westeurope',
        passivePorts: { from: 50000, to: 50004 },
        clients,
      });
      const tf = JSON.parse(Testing.synth(stack, true));
      const nsg = (
        Object.values(tf.resource.azurerm_network_security_rule)[0] as { network_security_group_name: string }
      ).network_security_group_name;
      return {
        endpoint,
        tf,
        rules: terraformToNft(tf, {
          nsg,
          self: [topo.server.v4, topo.server.v6],
          virtualNetwork: ['198.51.100.0/24', '2001:db8:1::/64'],
        }),
      };
    }

    test('a session passes from the allowed client; the outside client meets DenyAllInBound', () => {
      const { endpoint, rules } = azure(['203.0.113.0/25', '2001:db8:2::/120']);
      withServer(endpoint.options, rules, () => {
        expect(session('epsv', endpoint.options)).toEqual(PASSED);
        expect(session('pasv', endpoint.options)).toEqual(PASSED);
        expect(session('epsv', endpoint.options, { server: topo.server.v6 })).toEqual(PASSED);
        expect(
          ftpsSession(ws, {
            client: topo.outside,
            server: topo.server.v4,
            tls: 'explicit',
            port: 21,
            mode: 'epsv',
            timeoutSeconds: 2,
          }).ok,
        ).toBe(false);
      });
    });

    test('a service tag (Internet) admits the outside client too', () => {
      const { endpoint, rules } = azure(['Internet']);
      withServer(endpoint.options, rules, () => {
        expect(
          ftpsSession(ws, { client: topo.outside, server: topo.server.v4, tls: 'explicit', port: 21, mode: 'epsv' }),
        ).toEqual(PASSED);
      });
    });

    test('negative control: the NSG with the FTPS rule removed blocks the session', () => {
      const { endpoint, tf } = azure(['203.0.113.0/25']);
      const nsg = (
        Object.values(tf.resource.azurerm_network_security_rule)[0] as { network_security_group_name: string }
      ).network_security_group_name;
      tf.resource.azurerm_network_security_rule = {};
      const rules = terraformToNft(tf, { nsg, self: [topo.server.v4], virtualNetwork: ['198.51.100.0/24'] });
      withServer(endpoint.options, rules, () =>
        expect(session('epsv', endpoint.options, { timeoutSeconds: 2 }).ok).toBe(false),
      );
    });
  });

  // ---- ftps-rules probe, against the same real server and firewall ----

  // ---- deployable servers: the vsftpd.conf the boot script writes, read back from the templates ----

  describe('deployable servers: the configuration inside the synthesized boot scripts', () => {
    // In the namespaces the server has no NAT: the address it advertises is its own, as the Elastic IP /
    // public IP would be for a client on the Internet. curl uses the PASV address (--no-ftp-skip-pasv-ip).
    test('AWS FtpsServer: the user-data vsftpd.conf passes a PASV session behind the synthesized security group', () => {
      const { options, script, rules } = awsServer(topo.server.v4);
      const conf = bootScriptConf(script);
      expect(confEntries(conf)).toMatchObject({ pasv_address: topo.server.v4, pasv_min_port: '50000' });
      withServer(
        options,
        rules,
        () => {
          expect(session('pasv', options)).toEqual(PASSED);
          expect(session('epsv', options)).toEqual(PASSED);
        },
        undefined,
        conf,
      );
    });

    test('AWS FtpsServer, negative control: with another advertised address the listing fails (the NAT trap)', () => {
      const { options, script, rules } = awsServer('203.0.113.250');
      const conf = bootScriptConf(script);
      withServer(
        options,
        rules,
        () => expect(session('pasv', options, { timeoutSeconds: 2 })).toMatchObject({ ok: false, step: 'upload' }),
        undefined,
        conf,
      );
    });

    test('Azure FtpsServer: the cloud-init vsftpd.conf passes a PASV session behind the synthesized NSG', () => {
      const { options, script, rules } = azureServer(topo.server);
      const conf = bootScriptConf(script);
      expect(confEntries(conf)).toMatchObject({ pasv_address: topo.server.v4, pasv_max_port: '50019' });
      withServer(
        options,
        rules,
        () => {
          expect(session('pasv', options)).toEqual(PASSED);
          expect(session('pasv', options, { client: topo.outside, timeoutSeconds: 2 }).ok).toBe(false);
        },
        undefined,
        conf,
      );
    });
  });

  describe('ftps-rules probe', () => {
    const bin = 'dist/bin/ftps-rules.js';
    beforeAll(() => {
      // The probe runs as users run it: the built command, inside the client namespace.
      execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
        stdio: 'pipe',
      });
    }, 120_000);

    interface Probe {
      code: number | null;
      report: {
        ok: boolean;
        diagnoses: Array<{ id: string; level: string; message: string }>;
        data: Array<{ port: number; opened: boolean }>;
        steps: Array<{ step: string; ok: boolean }>;
      };
      markdown: string;
    }
    function runProbe(extra: string[] = [], host = topo.server.v4): Probe {
      const args = [host, '--user', USER, '--tls-max', '1.2', '--timeout', '2', '--attempts', '4', ...extra];
      const json = probeFrom(topo.inside, [...args, '--format', 'json']);
      const md = probeFrom(topo.inside, [...args, '--attempts', '1']);
      expect(json.stdout + md.stdout).not.toContain(PASSWORD); // never printed
      return { code: json.status, report: JSON.parse(json.stdout), markdown: md.stdout };
    }
    const ids = (p: Probe) => p.report.diagnoses.map((d) => d.id).sort();

    function seedRules(
      passive = { from: 50000, to: 50004 },
      dropPassive = false,
      tls = FtpsTls.EXPLICIT,
    ): { rules: string; options: ResolvedFtpsOptions } {
      const { stack, vpc, synth } = awsStack();
      const endpoint = new FtpsEndpoint(stack, 'Ftps', {
        vpc,
        tls,
        passivePorts: passive,
        clients: [ec2.Peer.ipv4('203.0.113.0/25'), ec2.Peer.ipv6('2001:db8:2::/120')],
      });
      const template = synth();
      const sg = logicalId(stack, endpoint.securityGroup);
      if (dropPassive) {
        const props = template.Resources[sg].Properties!;
        props.SecurityGroupIngress = (props.SecurityGroupIngress as Array<Record<string, unknown>>).filter(
          (r) => r.FromPort === 21,
        );
      }
      return { rules: cfnToNft(template, { securityGroup: sg }), options: endpoint.options };
    }

    function withProbeServer(
      overrides: Record<string, string>,
      rules: string,
      body: () => void,
      passive = { from: 50000, to: 50004 },
      tls: 'explicit' | 'implicit' = 'explicit',
    ): void {
      topo.firewall(topo.server, rules);
      const vsftpd = new Vsftpd(ws, topo.server, {
        tls,
        controlPort: tls === 'implicit' ? 990 : 21,
        passivePorts: passive,
        activeMode: false,
        overrides: { require_ssl_reuse: 'NO', ...overrides },
      });
      try {
        body();
      } finally {
        vsftpd.stop();
        topo.firewall(topo.server, '');
      }
    }

    test('healthy server: exit 0, every step and data connection ok, no diagnosis', () => {
      withProbeServer({}, seedRules().rules, () => {
        const p = runProbe(['--passive', '50000-50004']);
        expect(p.code).toBe(0);
        expect(p.report.diagnoses).toEqual([]);
        expect(p.report.steps.map((s) => [s.step, s.ok])).toEqual([
          ['control port 21 reachable', true],
          ['plain FTP refused', true],
          ['TLS upgrade (AUTH TLS)', true],
          ['login', true],
          ['PBSZ 0 / PROT P', true],
        ]);
        expect(p.report.data).toHaveLength(8);
        expect(p.report.data.every((d) => d.opened && d.port >= 50000 && d.port <= 50004)).toBe(true);
        expect(p.markdown).toContain('works end to end');
        fs.mkdirSync('test/e2e/reports', { recursive: true });
        fs.writeFileSync('test/e2e/reports/probe-healthy.md', p.markdown);
        expect(p.markdown).toContain('Certificate: subject ftps.test');
      });
    });

    test('healthy server over IPv6: no NAT-trap alarm for PASV (clients use EPSV; vsftpd answers PASV with 0,0,0,0)', () => {
      withProbeServer({}, seedRules().rules, () => {
        const p = runProbe(['--passive', '50000-50004'], topo.server.v6);
        expect(ids(p)).toEqual([]);
        expect(p.code).toBe(0);
        expect(p.report.data.filter((d) => d.opened).length).toBeGreaterThan(0);
        expect(p.markdown).toContain(`[${topo.server.v6}]:5000`); // the address each connection was tried on
      });
    });

    test('passive range closed in the firewall: exit 1, data ports named as closed', () => {
      withProbeServer({}, seedRules(undefined, true).rules, () => {
        const p = runProbe(['--passive', '50000-50004']);
        expect(p.code).toBe(1);
        expect(ids(p)).toEqual(['ftps-constructs:probeDataPortClosed']);
        expect(p.report.diagnoses[0].message).toMatch(/Data connections? to TCP 5000[0-4](, 5000[0-4])* timed out/);
        fs.writeFileSync('test/e2e/reports/probe-passive-closed.md', p.markdown);
        // The fix names the ports found closed, then the range they belong to.
        expect(p.markdown).toMatch(
          /Fix: Open TCP 5000[0-4](, 5000[0-4])* inbound from the clients \(with the whole passive range 50000-50004\)/,
        );
      });
    });

    test('one passive port closed: the closed port is named', () => {
      // The server uses 50000-50001; the firewall opens only 50000.
      withProbeServer(
        {},
        seedRules({ from: 50000, to: 50000 }).rules,
        () => {
          const p = runProbe(['--passive', '50000-50001', '--attempts', '6']);
          expect(p.code).toBe(1);
          expect(ids(p)).toEqual(['ftps-constructs:probeDataPortClosed']);
          expect(p.report.diagnoses[0].message).toContain(
            'Data connection to TCP 50001 timed out: this port is closed',
          );
        },
        { from: 50000, to: 50001 },
      );
    });

    test('wrong pasv_address (the NAT trap): diagnosed, exit 1', () => {
      withProbeServer({ listen: 'YES', listen_ipv6: 'NO', pasv_address: '198.51.100.99' }, seedRules().rules, () => {
        const p = runProbe(['--passive', '50000-50004']);
        expect(p.code).toBe(1);
        expect(ids(p)).toEqual(['ftps-constructs:probePasvAddress']);
        expect(p.report.diagnoses[0].message).toMatch(
          /^PASV advertises 198\.51\.100\.99 .*not 198\.51\.100\.10 that this client connected to: the NAT trap/,
        );
        // The data table says what was offered and where this probe connected (the control address).
        expect(p.markdown).toMatch(
          /\| PASV \| 227 [^|]*\| 198\.51\.100\.99:5000[0-4] \| 198\.51\.100\.10:5000[0-4] \|/,
        );
      });
    });

    test('an implicit-TLS port probed as explicit: no greeting, with the hint; probed as implicit it works', () => {
      withProbeServer(
        {},
        seedRules(undefined, false, FtpsTls.IMPLICIT).rules,
        () => {
          const wrong = runProbe(['--port', '990']);
          expect(wrong.code).toBe(1);
          expect(ids(wrong)).toEqual(['ftps-constructs:probeNoGreeting']);
          expect(wrong.report.diagnoses[0].message).toContain('--tls implicit');
          const right = runProbe(['--port', '990', '--tls', 'implicit']);
          expect(ids(right)).toEqual([]);
          expect(right.code).toBe(0);
        },
        undefined,
        'implicit',
      );
    });

    test('a server range that disagrees with the declared one: port outside the range', () => {
      withProbeServer({}, seedRules().rules, () => {
        const p = runProbe(['--passive', '40000-40004', '--attempts', '1']);
        expect(ids(p)).toEqual(['ftps-constructs:probePortOutsideRange']);
      });
    });

    test('a login slower than --timeout is a login timeout, not a wrong password', () => {
      // vsftpd waits 3 s before answering a successful login; the probe waits 2 s.
      withProbeServer({ delay_successful_login: '3' }, seedRules().rules, () => {
        const p = runProbe(['--passive', '50000-50004']);
        expect(p.code).toBe(1);
        expect(ids(p)).toEqual(['ftps-constructs:probeLoginTimeout']);
        expect(p.report.diagnoses[0].message).toContain('not a refusal');
      });
    });

    test('a certificate that does not name the host is an error (clients refuse it), exit 1', () => {
      // A name the certificate does not carry, resolving to the server inside the client namespace only
      // (`ip netns exec` mounts /etc/netns/<ns>/hosts over /etc/hosts).
      writeNetnsEtc(topo.inside.ns, `${topo.server.v4} other-name.test\n`);
      try {
        withProbeServer({}, seedRules().rules, () => {
          const p = runProbe(['--passive', '50000-50004'], 'other-name.test');
          expect(p.code).toBe(1);
          expect(ids(p)).toEqual(['ftps-constructs:probeCertificateMismatch']);
          expect(p.report.diagnoses[0].level).toBe('error');
          expect(p.markdown).toContain('does NOT match the host');
        });
      } finally {
        writeNetnsEtc(topo.inside.ns);
      }
    });

    test('plain FTP allowed: an insecure-server warning, the TLS session still works (exit 0)', () => {
      withProbeServer({ force_local_logins_ssl: 'NO', force_local_data_ssl: 'NO' }, seedRules().rules, () => {
        const p = runProbe();
        expect(p.code).toBe(0);
        expect(ids(p)).toEqual(['ftps-constructs:probePlainFtpAccepted']);
      });
    });

    test('require_ssl_reuse: clients that do not resume TLS sessions are refused (522), diagnosed', () => {
      withProbeServer({ require_ssl_reuse: 'YES' }, seedRules().rules, () => {
        const p = runProbe();
        expect(p.code).toBe(0);
        expect(ids(p)).toEqual(['ftps-constructs:probeTlsReuseRequired']);
        expect(p.report.diagnoses[0].message).toMatch(/refused \(522 /);
        expect(p.report.diagnoses[0].message).not.toMatch(/522 522/); // the code once, as the server sent it
      });
    });

    test('control port closed: exit 1 at the first step', () => {
      topo.firewall(topo.server, seedRules().rules);
      try {
        const out = spawnSync(
          'ip',
          [
            'netns',
            'exec',
            topo.outside.ns,
            process.execPath,
            bin,
            'probe',
            topo.server.v4,
            '--user',
            USER,
            '--timeout',
            '2',
            '--format',
            'json',
          ],
          { encoding: 'utf8', env: { ...process.env, FTPS_PASSWORD: PASSWORD }, timeout: 30_000 },
        );
        expect(out.status).toBe(1);
        expect(JSON.parse(out.stdout).diagnoses.map((d: { id: string }) => d.id)).toEqual([
          'ftps-constructs:probeControlUnreachable',
        ]);
      } finally {
        topo.firewall(topo.server, '');
      }
    });
  });
});
