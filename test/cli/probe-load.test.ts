import { LoadSession, daemonOf, diagnoseLoad } from '../../lib/cli/probe/load';

// The load probe's diagnosis from its sessions' outcomes (the sessions themselves are run against stand-ins in
// probe-sessions.test.ts and against the three real daemons in the end-to-end suite).
const target = { host: '198.51.100.10', port: 21, passive: { from: 50000, to: 50004 }, timeoutMs: 5000 };
const s = (outcome: LoadSession['outcome'], port?: number, step = 'LIST'): LoadSession => ({
  session: 0,
  outcome,
  step,
  port,
  ms: 1,
  detail: '',
});

describe('diagnoseLoad', () => {
  test('ProFTPD offering ports outside the range: exhausted, lost not refused; the fix is MaxClients 5 or 10 ports', () => {
    const r = diagnoseLoad(
      target,
      [...Array(5).fill(s('ok', 50000)), s('outsideRange', 41000, 'data'), s('outsideRange', 41002, 'data')],
      'proftpd',
    );
    expect(r.ok).toBe(false);
    expect(r.outcomes).toMatchObject({ ok: 5, outsideRange: 2 });
    expect(r.diagnoses.map((d) => d.id)).toEqual(['ftps-constructs:probeRangeExhausted']);
    expect(r.diagnoses[0].message).toBe(
      '7 sessions at once exhausted the passive range 50000-50004 (5 ports): 2 were offered a data port outside the range (41000, 41002), as ProFTPD does when every port in it is held, and the firewall dropped them. Those transfers are lost, not refused. Fix: cap sessions so a port is always free (ProFTPD `MaxClients 5`: the caps ftps-constructs renders for this range): excess clients are then refused at login and retry; or widen the range to 7 ports for 7 clients at once.',
    );
  });

  test('the daemon unknown: the fix names every daemon', () => {
    const r = diagnoseLoad(target, [s('ok'), s('ok'), s('ok'), s('refused', undefined, 'connect')], undefined);
    expect(r.diagnoses.map((d) => d.id)).toEqual(['ftps-constructs:probeSessionsRefused']);
    expect(r.diagnoses[0].fix).toMatch(/widen the range to vsftpd 11 ports, ProFTPD 4 ports, Pure-FTPd 8 ports/);
  });

  test('connects that time out while others are refused: the listen backlog, not a firewall', () => {
    const r = diagnoseLoad(
      target,
      [s('ok'), s('ok'), s('refused', undefined, 'connect'), s('timeout', undefined, 'connect')],
      'pure-ftpd',
    );
    expect(r.diagnoses.map((d) => d.id)).toEqual([
      'ftps-constructs:probeSessionsRefused',
      'ftps-constructs:probeLoadTimeout',
    ]);
    expect(r.diagnoses[1].message).toMatch(
      /^1 of 4 sessions timed out connecting while the server was refusing others: its listen backlog was full/,
    );
  });

  test('timeouts are their own finding; all ok is ok', () => {
    expect(diagnoseLoad(target, [s('ok'), s('timeout', 50001, 'data')], 'vsftpd').diagnoses.map((d) => d.id)).toEqual([
      'ftps-constructs:probeLoadTimeout',
    ]);
    expect(diagnoseLoad(target, [s('ok'), s('ok')], 'vsftpd')).toMatchObject({ ok: true, diagnoses: [] });
  });

  test.each([
    ['220 (vsFTPd 3.0.3)', 'vsftpd'],
    ['220 ProFTPD Server (Debian) [::ffff:198.51.100.10]', 'proftpd'],
    ['220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------', 'pure-ftpd'],
    ['220 Microsoft FTP Service', undefined],
  ])('the daemon from its greeting: %s', (greeting, daemon) => {
    expect(daemonOf(greeting)).toBe(daemon);
  });
});
