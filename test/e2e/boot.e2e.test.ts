// The deployable servers booted for real: the exact user data (AWS) and custom data (Azure) from the synthesized
// templates run as a systemd unit at boot in a Debian 12 guest (systemd-nspawn, systemd as PID 1) in the server
// namespace of the topology, with the cloud faked by stand-in `aws` and `curl` commands; then FTPS sessions for
// each user from the client namespace through the synthesized firewall. Proven: the apt branch on Debian 12
// under systemd; not proven: Amazon Linux 2023's dnf branch, Ubuntu 24.04 itself, the real metadata services.
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { Workspace, ftpsSession } from './support/ftp';
import { FakeAnswer, Guest, missingBootTools, rootfsTarball } from './support/guest';
import { e2eGate } from './support/prerequisites';
import { awsServer, azureFleet, azureServer } from './support/servers';
import { Topology, run } from './support/topology';

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
  function awsBoot(daemon: 'vsftpd' | 'proftpd' | 'pure-ftpd' = 'vsftpd') {
    return awsServer(
      topo.server.v4,
      { daemon, packageManager: 'apt', machineImage: ec2.MachineImage.genericLinux({ 'us-east-1': 'ami-12345678' }) },
      CERT_ARN,
    );
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
  function azureBoot(daemon: 'vsftpd' | 'proftpd' | 'pure-ftpd' = 'vsftpd') {
    const { script, rules } = azureServer(topo.server, {
      daemon,
      keyVaultCertificate: {
        keyVaultId: '/subscriptions/s/kv',
        secretId: 'https://kv-ftps.vault.azure.net/secrets/c/1',
        thumbprint: THUMBPRINT,
      },
      usersSecret: { keyVaultId: '/subscriptions/s/kv', secretUri: USERS_URI },
    });
    return {
      script,
      rules,
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
    const { script, rules } = awsBoot();
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
    const { script, rules, files, answers } = azureBoot();
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

  test('Azure FtpsFleet backend (vsftpd): mounts the shared NFS share first, gives each user the id of its name, serves', () => {
    // Backend 0 of a 2-VM fleet, booted here as the server: the balancer's address in its PASV replies is this
    // namespace's own (no balancer in this test: fleet.e2e.test.ts has one), its NSG is its own.
    const fleet = azureFleet(
      topo.server.v4,
      2,
      { from: 50000, to: 50009 },
      {
        keyVaultCertificate: {
          keyVaultId: '/subscriptions/s/kv',
          secretId: 'https://kv-ftps.vault.azure.net/secrets/c/1',
          thumbprint: THUMBPRINT,
        },
        usersSecret: { keyVaultId: '/subscriptions/s/kv', secretUri: USERS_URI },
      },
    );
    const backend = fleet.backends.find((b) => /^pasv_min_port=50000$/m.test(b.conf))!;
    const { files, answers } = azureBoot();
    // No NFS server here: `mount` is a stand-in that records its call and succeeds, as a mounted share would.
    boot(
      backend.script,
      [...answers, { command: 'mount', match: '/srv/ftps' }],
      backend.rules,
      (g) => {
        expectWorkingServer(g, 'vsftpd', true);
        expect(g.calls().filter((c) => c[0] === 'mount')).toEqual([['mount', '/srv/ftps']]);
        expect(g.exec(['cat', '/etc/fstab']).stdout).toMatch(
          /^[a-z0-9]{3,24}\.file\.core\.windows\.net:\/[a-z0-9]{3,24}\/ftps \/srv\/ftps nfs vers=4,minorversion=1,sec=sys,_netdev 0 0$/m,
        );
        expect(g.exec(['dpkg-query', '-W', '-f', '${Status}', 'nfs-common']).stdout).toBe('install ok installed');
        // Every VM of the fleet gives a user the same id (20000 + CRC-32 of the name mod 40000): one owner per home
        // on the shared share, whatever order the users were created in.
        for (const user of Object.keys(USERS)) {
          const uid = Number(g.exec(['id', '-u', user]).stdout.trim());
          expect([user, uid]).toEqual([user, 20000 + (zlib.crc32(user) % 40000)]);
        }
      },
      files,
    );
  });

  test.each(['proftpd', 'pure-ftpd'] as const)(
    'AWS FtpsServer with %s: the user data boots a working server',
    (daemon) => {
      const { script, rules } = awsBoot(daemon);
      boot(script, awsAnswers(JSON.stringify(USERS)), rules, (g) =>
        expectWorkingServer(g, daemon === 'proftpd' ? 'proftpd' : 'pure-ftpd-ftps', false),
      );
    },
  );

  test.each(['proftpd', 'pure-ftpd'] as const)(
    'Azure FtpsServer with %s: the custom data boots a working server',
    (daemon) => {
      const { script, rules, files, answers } = azureBoot(daemon);
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
      const { script, rules } = awsBoot();
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
