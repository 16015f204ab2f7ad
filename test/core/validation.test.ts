import { DiagnosticIds, FtpsOptions, FtpsTls, FtpsValidationError, validateOptions } from '../../lib/core';
import { throwOnErrors } from '../../lib/core/internal';

const SEED: FtpsOptions = { passivePorts: { from: 50000, to: 50009 } };

function errorsOf(options: FtpsOptions) {
  return validateOptions(options).filter((d) => d.level === 'error');
}
function warningsOf(options: FtpsOptions) {
  return validateOptions(options).filter((d) => d.level === 'warning');
}

describe('validateOptions', () => {
  test('a 10-port explicit passive range is clean', () => {
    expect(validateOptions(SEED)).toEqual([]);
  });

  test.each([
    ['controlPort', { ...SEED, controlPort: 0 }, 'controlPort (0) must be an integer from 1 to 65535'],
    ['controlPort', { ...SEED, controlPort: 70000 }, 'controlPort (70000) must be an integer from 1 to 65535'],
    ['controlPort', { ...SEED, controlPort: 21.5 }, 'controlPort (21.5) must be an integer from 1 to 65535'],
    ['controlPort', { ...SEED, controlPort: NaN }, 'controlPort (NaN) must be an integer'],
    [
      'passivePorts.from',
      { passivePorts: { from: 70000, to: 65535 } },
      'passivePorts.from (70000) must be an integer from 1024 to 65535',
    ],
    [
      'passivePorts.to',
      { passivePorts: { from: 50000, to: 65536 } },
      'passivePorts.to (65536) must be an integer from 1024 to 65535',
    ],
    [
      'clientPorts.from',
      { ...SEED, clientPorts: { from: -1, to: 65535 } },
      'clientPorts.from (-1) must be an integer from 1 to 65535',
    ],
  ])('fails if %s is not a valid port', (_name, options, message) => {
    const errors = errorsOf(options as FtpsOptions);
    expect(errors).toHaveLength(1);
    expect(errors[0].id).toBe(DiagnosticIds.INVALID_PORT);
    expect(errors[0].message).toContain(message);
    expect(errors[0].message).toContain('Fix:');
  });

  test('fails if a port is a string (JavaScript callers)', () => {
    const errors = errorsOf({ passivePorts: { from: '50000' as unknown as number, to: 50004 } });
    expect(errors[0].message).toContain('passivePorts.from ("50000") must be an integer');
  });

  test('fails if passivePorts is missing, and says what to pass', () => {
    const errors = errorsOf({} as FtpsOptions);
    expect(errors[0].message).toMatch(/passivePorts is required.*\{ passivePorts: \{ from: 50000, to: 50009 \} \}/);
  });

  test('fails if passivePorts.from > to, and names the swapped range', () => {
    const errors = errorsOf({ passivePorts: { from: 50004, to: 50000 } });
    expect(errors).toHaveLength(1);
    expect(errors[0].id).toBe(DiagnosticIds.INVERTED_RANGE);
    expect(errors[0].message).toBe(
      'passivePorts (50004-50000) is inverted: from (50004) is greater than to (50000). Fix: swap them (50000-50004).',
    );
  });

  test('fails if clientPorts is inverted', () => {
    expect(errorsOf({ ...SEED, clientPorts: { from: 65535, to: 1024 } })[0].id).toBe(DiagnosticIds.INVERTED_RANGE);
  });

  test('fails if the passive range starts below 1024', () => {
    const errors = errorsOf({ passivePorts: { from: 1000, to: 1010 } });
    expect(errors.map((e) => e.id)).toEqual([DiagnosticIds.PRIVILEGED_PASSIVE_PORTS]);
    expect(errors[0].message).toContain('passivePorts (1000-1010) starts below 1024');
  });

  test('fails if the passive range contains the control port', () => {
    const errors = errorsOf({ controlPort: 50002, passivePorts: { from: 50000, to: 50009 } });
    expect(errors).toHaveLength(1);
    expect(errors[0].id).toBe(DiagnosticIds.PASSIVE_RANGE_OVERLAP);
    expect(errors[0].message).toContain('passivePorts (50000-50009) contains the control port 50002');
  });

  test('fails if the passive range contains the active data port', () => {
    const errors = errorsOf({ controlPort: 2121, activeMode: true, passivePorts: { from: 2100, to: 2120 } });
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toContain('contains the active data port 2120 (control port - 1)');
  });

  test('the active data port does not matter when active mode is off', () => {
    expect(errorsOf({ controlPort: 2121, passivePorts: { from: 2100, to: 2120 } })).toEqual([]);
  });

  test('fails if active mode has no data port (control port 1)', () => {
    const errors = errorsOf({ controlPort: 1, activeMode: true, passivePorts: { from: 50000, to: 50009 } });
    expect(errors[0].id).toBe(DiagnosticIds.INVALID_ACTIVE_DATA_PORT);
  });

  test('fails if tls is not a known mode', () => {
    const errors = errorsOf({ ...SEED, tls: 'ssl' as FtpsTls });
    expect(errors[0].id).toBe(DiagnosticIds.INVALID_TLS_MODE);
    expect(errors[0].message).toContain('tls ("ssl")');
  });

  test('reports every error at once', () => {
    const errors = errorsOf({
      controlPort: 0,
      passivePorts: { from: 50004, to: 50000 },
      clientPorts: { from: 0, to: 1 },
    });
    expect(errors.map((e) => e.id).sort()).toEqual(
      [DiagnosticIds.INVALID_PORT, DiagnosticIds.INVALID_PORT, DiagnosticIds.INVERTED_RANGE].sort(),
    );
  });

  test('warns on implicit TLS on 21 and explicit TLS on 990', () => {
    expect(warningsOf({ ...SEED, tls: FtpsTls.IMPLICIT, controlPort: 21 }).map((w) => w.id)).toEqual([
      DiagnosticIds.TLS_PORT_MISMATCH,
    ]);
    const explicit990 = warningsOf({ ...SEED, tls: FtpsTls.EXPLICIT, controlPort: 990 });
    expect(explicit990.map((w) => w.id)).toEqual([DiagnosticIds.TLS_PORT_MISMATCH]);
    expect(explicit990[0].message).toContain('Explicit TLS on port 990');
    expect(warningsOf({ ...SEED, tls: FtpsTls.IMPLICIT })).toEqual([]);
  });

  test('warns on active mode, naming the NAT problem', () => {
    const w = warningsOf({ ...SEED, activeMode: true });
    expect(w.map((d) => d.id)).toEqual([DiagnosticIds.ACTIVE_MODE]);
    expect(w[0].message).toContain('from port 20');
    expect(w[0].message).toContain('NAT');
  });

  test('warns on a passive range under 10 ports, saying what it carries on each daemon and what happens beyond', () => {
    const w = warningsOf({ passivePorts: { from: 50000, to: 50004 } });
    expect(w.map((d) => d.id)).toEqual([DiagnosticIds.SMALL_PASSIVE_RANGE]);
    expect(w[0].message).toMatch(
      /^5 passive ports \(50000-50004\) carry 2 with vsftpd, 5 with ProFTPD, 2 with Pure-FTPd at once: .*refused at login \(421 or 530\) and must retry; without the caps vsftpd ends sessions with "500 OOPS"/,
    );
    expect(w[0].fix).toBe(
      'state how many clients transfer at once (concurrentClients) to have the range checked against it, or widen the range (10 ports carry 3 with vsftpd, 10 with ProFTPD, 5 with Pure-FTPd).',
    );
    expect(warningsOf({ passivePorts: { from: 50000, to: 50000 } })[0].message).toMatch(
      /^1 passive port \(50000\) carry 1 with vsftpd, 1 with ProFTPD, 1 with Pure-FTPd \(uncapped\) at once/,
    );
    expect(warningsOf({ passivePorts: { from: 50000, to: 50009 } })).toEqual([]);
  });

  test('concurrentClients: no warning when every daemon carries it, else the smallest range that does', () => {
    expect(warningsOf({ passivePorts: { from: 50000, to: 50004 }, concurrentClients: 2 })).toEqual([]);
    const w = warningsOf({ passivePorts: { from: 50000, to: 50004 }, concurrentClients: 3 });
    expect(w.map((d) => d.id)).toEqual([DiagnosticIds.SMALL_PASSIVE_RANGE]);
    expect(w[0].message).toMatch(/^concurrentClients \(3\) is more than the passive range carries: 5 passive ports/);
    expect(w[0].fix).toBe(
      'widen passivePorts to 8 ports (50000-50007) for 3 clients at once on every daemon (ports needed: vsftpd 8, ProFTPD 3, Pure-FTPd 6), and configure the same range on the server.',
    );
    // A wide range that still does not carry the stated load.
    const wide = warningsOf({ passivePorts: { from: 50000, to: 50099 }, concurrentClients: 50 });
    expect(wide[0].fix).toMatch(
      /^widen passivePorts to 177 ports \(50000-50176\) .*vsftpd 177, ProFTPD 50, Pure-FTPd 100/,
    );
    expect(warningsOf({ passivePorts: { from: 50000, to: 50176 }, concurrentClients: 50 })).toEqual([]);
  });

  test('concurrentClients beyond what vsftpd can carry on any range: the widest range that fits, and the daemons that can', () => {
    const [w] = warningsOf({ passivePorts: { from: 50000, to: 50099 }, concurrentClients: 20000 });
    expect(w.fix).toBe(
      'widen passivePorts to 40000 ports (25536-65535) for 20000 clients at once on ProFTPD and Pure-FTPd (ports needed: vsftpd none (at most 17951 on the widest range), ProFTPD 20000, Pure-FTPd 40000), and configure the same range on the server; vsftpd cannot carry that many on one server: use ProFTPD or Pure-FTPd, or several servers.',
    );
    // One port carries one session on every daemon (Pure-FTPd, uncapped there, answers a second with 425).
    expect(warningsOf({ passivePorts: { from: 50000, to: 50000 }, concurrentClients: 1 })).toEqual([]);
    // The largest value accepted works (no endless search, no RangeError).
    expect(warningsOf({ passivePorts: { from: 1024, to: 65535 }, concurrentClients: 64512 })[0].fix).toMatch(
      /^widen passivePorts to 64512 ports \(1024-65535\)/,
    );
  });

  test('concurrentClients as a deploy-time token is refused: the warning and the worksheet need it at synth', () => {
    const TOKEN = -1234.5678;
    const errors = validateOptions(
      { passivePorts: { from: 50000, to: 50009 }, concurrentClients: TOKEN },
      { isUnresolved: (v) => v === TOKEN },
    ).filter((d) => d.level === 'error');
    expect(errors.map((d) => d.id)).toEqual([DiagnosticIds.INVALID_LIMIT]);
    expect(errors[0].message).toMatch(/^concurrentClients is a deploy-time value \(a token\)/);
  });

  test.each([0, -1, 1.5, '10', null, Number.NaN, 64513])('concurrentClients %p is an error naming the fix', (bad) => {
    const errors = validateOptions({
      passivePorts: { from: 50000, to: 50009 },
      concurrentClients: bad as never,
    }).filter((d) => d.level === 'error');
    expect(errors.map((d) => d.id)).toEqual([DiagnosticIds.INVALID_LIMIT]);
    expect(errors[0].message).toMatch(
      /^concurrentClients (\(.*\) must be an integer from 1 to 64512\.|is null; ).*Fix: .*give how many clients transfer at the same moment/,
    );
  });

  test('fails if a port is a deploy-time token, saying it must be known at synth (one error per port)', () => {
    const TOKEN = -1234.5678;
    const diags = validateOptions(
      { controlPort: TOKEN, passivePorts: { from: TOKEN, to: 50004 } },
      { isUnresolved: (v) => v === TOKEN },
    );
    const errors = diags.filter((d) => d.level === 'error');
    expect(errors.map((d) => d.id)).toEqual([DiagnosticIds.INVALID_PORT, DiagnosticIds.INVALID_PORT]);
    expect(errors[0].message).toMatch(/^controlPort is a deploy-time value \(a token\).*Fix: pass a number/);
    expect(errors[1].message).toMatch(/^passivePorts.from is a deploy-time value/);
  });
});

describe('throwOnErrors', () => {
  test('throws one FtpsValidationError listing every error, prefixed with the context', () => {
    const diags = validateOptions({ controlPort: 0, passivePorts: { from: 50004, to: 50000 } });
    expect(() => throwOnErrors(diags, 'Stack/Ftps')).toThrow(FtpsValidationError);
    expect(() => throwOnErrors(diags, 'Stack/Ftps')).toThrow(
      /^Stack\/Ftps: 2 invalid FTPS settings:\n {2}- \[ftps-constructs:invalidPort\] controlPort \(0\)/,
    );
  });

  test('returns the warnings when there is no error', () => {
    const diags = validateOptions({ passivePorts: { from: 50000, to: 50004 } });
    expect(throwOnErrors(diags).map((d) => d.id)).toEqual([DiagnosticIds.SMALL_PASSIVE_RANGE]);
  });
});
