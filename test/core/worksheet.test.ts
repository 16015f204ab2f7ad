import { DiagnosticIds, FtpsTls, FtpsValidationError, buildWorksheet, renderWorksheet } from '../../lib/core';

const SEED = { passivePorts: { from: 50000, to: 50004 } };

describe('buildWorksheet', () => {
  test('seed case, clients anywhere: inbound TCP 21 and the 5 ports; stateless adds outbound replies; nothing UDP', () => {
    const ws = buildWorksheet({ options: SEED });
    expect(
      ws.rows.map((r) => [
        r.rule,
        r.direction,
        r.protocol,
        r.source,
        r.sourcePorts,
        r.destination,
        r.destinationPorts,
        r.neededBy,
      ]),
    ).toEqual([
      [1, 'inbound', 'TCP', 'any', '1024-65535', 'FTPS server', '21', 'both'],
      [2, 'inbound', 'TCP', 'any', '1024-65535', 'FTPS server', '50000-50004', 'both'],
      [3, 'outbound', 'TCP', 'FTPS server', '21', 'any', '1024-65535', 'stateless'],
      [4, 'outbound', 'TCP', 'FTPS server', '50000-50004', 'any', '1024-65535', 'stateless'],
    ]);
    expect(ws.diagnostics.map((d) => d.id)).toEqual([DiagnosticIds.SMALL_PASSIVE_RANGE, DiagnosticIds.WORLD_OPEN]);
  });

  test('names the clients and the server; a single host reads as its address, a /32 IPv6 network keeps its prefix', () => {
    const ws = buildWorksheet({
      options: SEED,
      clients: ['203.0.113.0/24', '2001:db8::7', '2001:db8::/32'],
      server: '198.51.100.10',
    });
    expect(ws.rows[0]).toMatchObject({
      source: '203.0.113.0/24, 2001:db8::7, 2001:db8::/32',
      destination: '198.51.100.10',
    });
    expect(ws.rows[2]).toMatchObject({
      source: '198.51.100.10',
      destination: '203.0.113.0/24, 2001:db8::7, 2001:db8::/32',
    });
    expect(ws.diagnostics.map((d) => d.id)).toEqual([DiagnosticIds.SMALL_PASSIVE_RANGE]);
  });

  test('active mode: stateful rows first, then the replies', () => {
    const ws = buildWorksheet({
      options: { ...SEED, tls: FtpsTls.IMPLICIT, activeMode: true },
      clients: ['203.0.113.0/24'],
    });
    expect(ws.rows.map((r) => `${r.rule} ${r.direction} ${r.sourcePorts}>${r.destinationPorts} ${r.neededBy}`)).toEqual(
      [
        '1 inbound 1024-65535>990 both',
        '2 inbound 1024-65535>50000-50004 both',
        '3 outbound 989>1024-65535 both',
        '4 outbound 990>1024-65535 stateless',
        '5 outbound 50000-50004>1024-65535 stateless',
        '6 inbound 1024-65535>989 stateless',
      ],
    );
  });

  test('fails if options or addresses are bad, naming each', () => {
    expect(() => buildWorksheet({ options: { passivePorts: { from: 50004, to: 50000 } } })).toThrow(
      FtpsValidationError,
    );
    expect(() => buildWorksheet({ options: SEED, clients: ['203.0.113.9/24'] })).toThrow(
      /Did you mean "203.0.113.0\/24"/,
    );
    expect(() => buildWorksheet({ options: SEED, server: 'ftp.example.com' })).toThrow(
      /Server address "ftp.example.com"/,
    );
  });
});

describe('renderWorksheet', () => {
  const ws = buildWorksheet({ options: SEED, clients: ['203.0.113.0/24'] });

  test('Markdown: a table, which rows a stateful firewall needs, the server settings, and warnings', () => {
    const md = renderWorksheet(ws, 'md');
    expect(md).toContain(
      '| 1 | inbound | TCP | 203.0.113.0/24 | 1024-65535 | FTPS server | 21 | FTPS control (explicit) | stateful and stateless |',
    );
    expect(md).toContain(
      '| 4 | outbound | TCP | FTPS server | 50000-50004 | 203.0.113.0/24 | 1024-65535 | Replies: FTPS passive data 50000-50004 | stateless only |',
    );
    expect(md).toContain('rules 1, 2 only');
    expect(md).toContain('Open nothing on UDP');
    expect(md).toContain('`pasv_min_port=50000` `pasv_max_port=50004`');
    expect(md).toContain('`ftps-constructs:smallPassiveRange`');
  });

  test('CSV: a header and one quoted-where-needed line per rule', () => {
    const multi = buildWorksheet({ options: SEED, clients: ['203.0.113.0/24', '198.51.100.0/24'] });
    const lines = renderWorksheet(multi, 'csv').trimEnd().split('\r\n');
    expect(lines[0]).toBe('rule,direction,protocol,source,sourcePorts,destination,destinationPorts,purpose,neededBy');
    expect(lines[1]).toBe(
      '1,inbound,TCP,"203.0.113.0/24, 198.51.100.0/24",1024-65535,FTPS server,21,FTPS control (explicit),both',
    );
    expect(lines).toHaveLength(5);
  });

  test('JSON: rows, options and diagnostics as data', () => {
    const json = JSON.parse(renderWorksheet(ws, 'json'));
    expect(json.rows).toHaveLength(4);
    expect(json.options).toMatchObject({ tls: 'explicit', controlPort: 21, passivePorts: { from: 50000, to: 50004 } });
    expect(json.diagnostics[0].id).toBe(DiagnosticIds.SMALL_PASSIVE_RANGE);
  });

  test('fails if the format is unknown', () => {
    expect(() => renderWorksheet(ws, 'xml' as 'md')).toThrow(/format "xml" is not one of md, csv, json/);
  });
});

describe('worksheet: what the passive range carries', () => {
  test('the seed case in plain words: clients at once per daemon, what the rest see, what to widen to', () => {
    const ws = buildWorksheet({ options: SEED, clients: ['203.0.113.0/24'] });
    expect(ws.capacity.map((c) => [c.daemon, c.sessionCap, c.capSetting])).toEqual([
      ['vsftpd', 2, 'max_clients=2'],
      ['proftpd', 5, 'MaxClients 5'],
      ['pure-ftpd', 2, '-c 2'],
    ]);
    const md = renderWorksheet(ws, 'md');
    const section = md.slice(md.indexOf('## What the passive range carries'), md.indexOf('## Warnings'));
    expect(section).toContain(
      '5 passive ports: up to 2 with vsftpd, 5 with ProFTPD, 2 with Pure-FTPd at once, with the session caps the configurations of ftps-constructs set. More clients are refused at login (421 or 530) and must retry; none loses a transfer half-way.',
    );
    expect(section).toContain('For 10 clients at once, widen the range to vsftpd 33, ProFTPD 10, Pure-FTPd 20 ports.');
    expect(section).toContain(
      '| vsftpd | 2 | `max_clients=2` | refused: `421 There are too many connected users, please try later.` |',
    );
    expect(section).toMatch(/\| ProFTPD \| 5 \| `MaxClients 5` \| .* offers a port outside it .* \| 25\.0 \|/);
    expect(section).toContain('`--retry` does not retry these');
  });

  test('concurrentClients: the ports each daemon needs for it', () => {
    const md = renderWorksheet(
      buildWorksheet({ options: { ...SEED, concurrentClients: 4 }, clients: ['203.0.113.0/24'] }),
      'md',
    );
    expect(md).toContain('You need 4 clients at once: that takes vsftpd 11, ProFTPD 4, Pure-FTPd 8 passive ports.');
    expect(md).toMatch(
      /`ftps-constructs:smallPassiveRange`: concurrentClients \(4\) is more than the passive range carries/,
    );
  });

  test('a 1-port range: Pure-FTPd cannot be capped, and the worksheet says so', () => {
    const ws = buildWorksheet({ options: { passivePorts: { from: 50000, to: 50000 } }, clients: ['203.0.113.0/24'] });
    expect(ws.capacity[2]).toMatchObject({ daemon: 'pure-ftpd', sessionCap: undefined, capSetting: undefined });
    const md = renderWorksheet(ws, 'md');
    expect(md).toContain('| Pure-FTPd | no cap | none possible |');
    expect(md).toContain(
      '1 passive port: up to 1 with vsftpd, 1 with ProFTPD, 1 with Pure-FTPd (which cannot be capped there: a second transfer at once gets 425) at once',
    );
  });
});

describe('buildWorksheet with a fleet behind a load balancer', () => {
  const FLEET = { options: { passivePorts: { from: 50000, to: 50009 } }, clients: ['203.0.113.0/24'] };

  test('which port the balancer forwards where: control to every backend, each sub-range to its own backend', () => {
    const ws = buildWorksheet({ ...FLEET, fleet: { backends: 2 } });
    expect(ws.fleet!.forwarding).toEqual([
      { ports: { from: 21, to: 21 }, to: 'all' },
      { ports: { from: 50000, to: 50004 }, to: 0 },
      { ports: { from: 50005, to: 50009 }, to: 1 },
    ]);
    expect(ws.fleet!.backends.map((b) => b.sessionCaps)).toEqual([
      { vsftpd: 2, proftpd: 5, 'pure-ftpd': 2 },
      { vsftpd: 2, proftpd: 5, 'pure-ftpd': 2 },
    ]);
    const md = renderWorksheet(ws, 'md');
    expect(md).toContain('## Behind a load balancer: 2 backends');
    expect(md).toContain('| TCP 21 (control) | every backend, balanced | TCP connect to 21 |');
    expect(md).toContain(
      '| TCP 50000-50004 (passive, each port to the same port) | backend 0 only | that backend’s TCP 21 |',
    );
    expect(md).toContain('| 1 | 50005-50009 (vsftpd `pasv_min_port=50005` `pasv_max_port=50009`) | 2, 5, 2 |');
    expect(md).toContain('The fleet carries 4 with vsftpd, 10 with ProFTPD, 4 with Pure-FTPd at once');
    // The single-server capacity section would describe the whole range as one server's: not shown for a fleet.
    expect(md).not.toContain('## What the passive range carries');
    expect(JSON.parse(renderWorksheet(ws, 'json')).fleet.forwarding).toHaveLength(3);
  });

  test("concurrentClients is the fleet's: warned per backend, not for the whole range as one server", () => {
    const four = buildWorksheet({
      ...FLEET,
      options: { ...FLEET.options, concurrentClients: 4 },
      fleet: { backends: 2 },
    });
    expect(four.diagnostics).toEqual([]);
    expect(renderWorksheet(four, 'md')).toContain('You need 4 clients at once: each backend is asked for 2');
    const six = buildWorksheet({
      ...FLEET,
      options: { ...FLEET.options, concurrentClients: 6 },
      fleet: { backends: 2 },
    });
    expect(six.diagnostics.map((d) => d.message.slice(0, 60))).toEqual([
      'concurrentClients (3) is more than the passive range carries',
      'concurrentClients (3) is more than the passive range carries',
    ]);
  });

  test('a fleet the range cannot hold is an error with its id; unused ports are named', () => {
    expect(() => buildWorksheet({ ...FLEET, fleet: { backends: 11 } })).toThrow(
      /^worksheet: \[ftps-constructs:invalidFleet\] 11 backends × 1 passive port need 11 ports/,
    );
    const ws = buildWorksheet({ ...FLEET, fleet: { backends: 2, passivePortsPerBackend: 3 } });
    expect(ws.fleet!.unusedPorts).toEqual({ from: 50006, to: 50009 });
    expect(renderWorksheet(ws, 'md')).toContain('Ports 50006-50009 of the range are not used');
  });
});
