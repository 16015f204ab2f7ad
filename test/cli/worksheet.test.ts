import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { run } from '../../lib/cli/main';

function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('ftps-rules worksheet', () => {
  test('prints the seed table', () => {
    const r = cli('worksheet', '--passive', '50000-50004', '--client', '203.0.113.0/24');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('| 2 | inbound | TCP | 203.0.113.0/24 | 1024-65535 | FTPS server | 50000-50004 |');
    expect(r.stderr).toBe('');
  });

  test('takes every option', () => {
    const r = cli(
      'worksheet',
      '--tls',
      'implicit',
      '--control-port',
      '990',
      '--passive',
      '50000-50009',
      '--active',
      '--client',
      '203.0.113.0/24',
      '--client',
      '2001:db8::/32',
      '--client-ports',
      '32768-60999',
      '--server',
      '198.51.100.10',
      '--format',
      'json',
    );
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.rows[0]).toMatchObject({
      source: '203.0.113.0/24, 2001:db8::/32',
      sourcePorts: '32768-60999',
      destination: '198.51.100.10',
      destinationPorts: '990',
    });
    expect(json.rows.some((row: { sourcePorts: string }) => row.sourcePorts === '989')).toBe(true);
  });

  test('--concurrent-clients: the ports each daemon needs, and the warning when the range does not carry them', () => {
    const r = cli('worksheet', '--passive', '50000-50004', '--client', '203.0.113.0/24', '--concurrent-clients', '10');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'You need 10 clients at once: that takes vsftpd 33, ProFTPD 10, Pure-FTPd 20 passive ports.',
    );
    expect(r.stdout).toContain(
      '`ftps-constructs:smallPassiveRange`: concurrentClients (10) is more than the passive range carries',
    );
    const enough = cli(
      'worksheet',
      '--passive',
      '50000-50032',
      '--client',
      '203.0.113.0/24',
      '--concurrent-clients',
      '10',
    );
    expect(enough.stdout).not.toContain('## Warnings');
  });

  test('CSV goes to stdout, warnings to stderr', () => {
    const r = cli('worksheet', '--passive', '50000-50004', '--format', 'csv');
    expect(r.stdout.split('\r\n')[0]).toMatch(/^rule,direction/);
    expect(r.stderr).toContain('warning ftps-constructs:smallPassiveRange');
    expect(r.stderr).toContain('warning ftps-constructs:worldOpen');
  });

  test.each([
    [
      ['worksheet', '--passive', '50004-50000'],
      'ftps-rules: [ftps-constructs:invertedPortRange] passivePorts (50004-50000) is inverted: from (50004) is greater than to (50000). Fix: swap them (50000-50004).',
    ],
    [
      ['worksheet', '--passive', '50000-50004', '--client', 'fe80::1%eth0'],
      '[ftps-constructs:invalidClient] Client [0] "fe80::1%eth0" has an IPv6 zone id',
    ],
    [
      ['worksheet', '--passive', '50000-50004', '--client', '::ffff:203.0.113.7'],
      'give the IPv4 form "203.0.113.7/32"',
    ],
    [['worksheet'], '--passive is required'],
    [['worksheet', '--passive', 'lots'], '--passive "lots" is not a port range: write FROM-TO'],
    [['worksheet', '--passive', '50000-50004', '--tls', 'ssl'], '--tls "ssl" is not one of explicit, implicit'],
    [['worksheet', '--passive', '50000-50004', '--client', '203.0.113.5/24'], 'Did you mean "203.0.113.0/24"?'],
    [['worksheet', '--passive', '50000-50004', '--format', 'xml'], '--format "xml" is not one of md, csv, json'],
    [['worksheet', '--passive', '50000-50004', '--control-port', 'ftp'], '--control-port "ftp" is not a port number'],
    [['worksheet', '--passive', '50000-50004', '--bogus'], "Unknown option '--bogus'"],
    [
      ['worksheet', '--passive', '500-50004', '--control-port', '0'],
      'controlPort (0) must be an integer from 1 to 65535',
    ],
    [['frobnicate'], 'unknown verb "frobnicate"'],
    [
      ['worksheet', '--passive', '50000-50004', '--concurrent-clients', 'many'],
      '--concurrent-clients "many" is not a whole number',
    ],
    [
      ['worksheet', '--passive', '50000-50004', '--concurrent-clients', '0'],
      '[ftps-constructs:invalidLimit] concurrentClients (0) must be an integer from 1 to 64512',
    ],
  ])('fails with exit code 2 and one line on %j', (argv, message) => {
    const r = cli(...argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^ftps-rules: /);
  });

  test('--help and help explain the verbs and options', () => {
    expect(cli('--help').stdout).toContain('ftps-rules worksheet --passive FROM-TO');
    expect(cli('worksheet', '--help').stdout).toContain('--client CIDR');
    expect(cli('help', 'worksheet').stdout).toContain('--format md|csv|json');
    expect(cli().code).toBe(0);
  });
});

describe('the built bin (dist/bin/ftps-rules.js, built by the global setup)', () => {
  const root = path.resolve(__dirname, '../..');
  const bin = path.join(root, 'dist/bin/ftps-rules.js');

  test('runs as a process: exit 0 with the table, exit 2 with one line', () => {
    const ok = spawnSync(
      process.execPath,
      [bin, 'worksheet', '--passive', '50000-50004', '--client', '203.0.113.0/24'],
      { encoding: 'utf8' },
    );
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('| 1 | inbound | TCP | 203.0.113.0/24 | 1024-65535 | FTPS server | 21 |');
    const bad = spawnSync(process.execPath, [bin, 'worksheet', '--passive', '50004-50000'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('Fix: swap them (50000-50004)');
  });
});

describe('ftps-rules worksheet --backends', () => {
  test('adds the balancer table and each backend’s range', () => {
    const r = cli('worksheet', '--passive', '50000-50009', '--client', '203.0.113.0/24', '--backends', '2');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('| TCP 50005-50009 (passive, each port to the same port) | backend 1 only |');
  });

  test('--ports-per-backend takes sub-ranges from the start', () => {
    const r = cli(
      'worksheet',
      '--passive',
      '50000-50099',
      '--backends',
      '3',
      '--ports-per-backend',
      '5',
      '--format',
      'json',
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).fleet.forwarding.map((f: { ports: { from: number; to: number } }) => f.ports)).toEqual([
      { from: 21, to: 21 },
      { from: 50000, to: 50004 },
      { from: 50005, to: 50009 },
      { from: 50010, to: 50014 },
    ]);
  });

  test('bad input: exit 2 naming the value', () => {
    const r = cli('worksheet', '--passive', '50000-50002', '--backends', '4');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('[ftps-constructs:invalidFleet] 4 backends × 1 passive port need 4 ports');
    const s = cli('worksheet', '--passive', '50000-50009', '--ports-per-backend', '3');
    expect(s.code).toBe(2);
    expect(s.stderr).toContain('--ports-per-backend needs --backends N');
    expect(cli('worksheet', '--passive', '50000-50009', '--backends', 'two').stderr).toContain(
      '--backends "two" is not a whole number',
    );
  });
});
