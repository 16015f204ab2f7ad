import { run } from '../../lib/cli/main';

// The probe's sessions are tested against a real vsftpd in the end-to-end suite (test/e2e); here, its input.
function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('ftps-rules probe input', () => {
  const saved = process.env.FTPS_PASSWORD;
  afterEach(() => {
    if (saved === undefined) delete process.env.FTPS_PASSWORD;
    else process.env.FTPS_PASSWORD = saved;
  });

  test.each([
    [['probe'], 'probe takes one host'],
    [['probe', '198.51.100.10'], '--user is required'],
    [
      ['probe', '198.51.100.10', '--user', 'u', '--passive', '50004-50000', '--password', 'p'],
      '[ftps-constructs:invertedPortRange] passivePorts (50004-50000) is inverted: from (50004) is greater than to (50000). Fix: swap them (50000-50004).',
    ],
    [
      ['probe', '198.51.100.10', '--user', 'u', '--password', 'p', '--attempts', '0'],
      '--attempts "0" must be an integer from 1 to 100',
    ],
    [
      ['probe', '198.51.100.10', '--user', 'u', '--password', 'p', '--port', '70000'],
      '[ftps-constructs:invalidPort] --port (70000) must be an integer from 1 to 65535',
    ],
    [
      ['probe', '198.51.100.10', '--user', 'u', '--password', 'p', '--tls', 'ssl'],
      '--tls "ssl" is not one of explicit, implicit',
    ],
    [
      ['probe', '198.51.100.10', '--user', 'u', '--password', 'p', '--tls-max', '1.1'],
      '--tls-max "1.1" is not one of 1.2, 1.3',
    ],
    [
      ['probe', '198.51.100.10', '--user', 'u', '--password', 'p', '--format', 'csv'],
      '--format "csv" is not one of md, json',
    ],
    [
      ['probe', '198.51.100.10', '--user', 'u', '--password', 'p', '--passive', '50000-50004', '--port', '50001'],
      '[ftps-constructs:passiveRangeOverlap] passivePorts (50000-50004) contains the control port 50001',
    ],
  ])('fails with exit 2 and one line on %j', (argv, message) => {
    delete process.env.FTPS_PASSWORD;
    const r = cli(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  test('needs a password from --password or FTPS_PASSWORD, and never echoes it', () => {
    delete process.env.FTPS_PASSWORD;
    expect(cli('probe', '198.51.100.10', '--user', 'u').stderr).toContain(
      'no password: pass --password or set FTPS_PASSWORD',
    );
    process.env.FTPS_PASSWORD = 'S3cret-value';
    const r = cli('probe', '198.51.100.10', '--user', 'u', '--attempts', '0');
    expect(r.stderr).not.toContain('S3cret-value');
  });

  test('--help lists the options', () => {
    expect(cli('probe', '--help').stdout).toContain('--passive FROM-TO');
    expect(cli('help', 'probe').stdout).toContain('Exit codes: 0 the session works end to end');
  });
});
