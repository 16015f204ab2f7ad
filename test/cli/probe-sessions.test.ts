import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { run } from '../../lib/cli/main';

// The probe against stand-in servers on loopback (the real-server scenarios are in the end-to-end suite):
// each failure gets its own diagnosis, and the process ends when its report is printed.
const root = path.resolve(__dirname, '../..');
const bin = path.join(root, 'dist/bin/ftps-rules.js');

/** A TCP server on 127.0.0.1 that does `onConnection` with each client; closed after the test. */
async function server(
  onConnection: (socket: net.Socket) => void,
  options: net.ServerOpts = {},
): Promise<{ port: number; close: () => void }> {
  const sockets = new Set<net.Socket>();
  const s = net.createServer(options, (socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return {
    port: (s.address() as net.AddressInfo).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      s.close();
    },
  };
}

/** Runs the built bin; resolves with its output, exit code, and the time from its last output to its exit. */
function probeProcess(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string; lingerMs: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'probe', ...args], { env: { ...process.env, FTPS_PASSWORD: 'p' } });
    let stdout = '';
    let stderr = '';
    let last = performance.now();
    child.stdout.on('data', (d) => {
      stdout += d;
      last = performance.now();
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      last = performance.now();
    });
    const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, stdout, stderr, lingerMs: performance.now() - last });
    });
  });
}

/** Runs `body` with a stand-in server, closing it afterwards. */
async function withServer(
  onConnection: (socket: net.Socket) => void,
  body: (port: number) => Promise<void>,
  options: net.ServerOpts = {},
): Promise<void> {
  const s = await server(onConnection, options);
  try {
    await body(s.port);
  } finally {
    s.close();
  }
}

/** The probe of 127.0.0.1:`port` in JSON, with a timeout of `timeout` seconds. */
const probeLocal = (port: number, timeout: number) =>
  probeProcess(['127.0.0.1', '--port', String(port), '--user', 'u', '--timeout', String(timeout), '--format', 'json']);

const ids = (stdout: string): string[] => JSON.parse(stdout).diagnoses.map((d: { id: string }) => d.id);

describe('ftps-rules probe tells failures apart, and exits when done', () => {
  test('a server that accepts and never speaks: no greeting (implicit TLS?), exit 1, and the process ends at once', async () => {
    // Half-open allowed: it never closes its side, as a stuck daemon or a black-holing middlebox does not.
    await withServer(
      () => undefined,
      async (port) => {
        const r = await probeLocal(port, 1);
        expect(r.code).toBe(1);
        expect(ids(r.stdout)).toEqual(['ftps-constructs:probeNoGreeting']);
        expect(JSON.parse(r.stdout).diagnoses[0].message).toContain('--tls implicit');
        expect(r.lingerMs).toBeLessThan(1000);
      },
      { allowHalfOpen: true },
    );
  }, 30_000);

  test('nothing listening: connection refused, not "open the firewall"', async () => {
    const gone = await server(() => undefined);
    const port = gone.port;
    gone.close();
    const r = await probeLocal(port, 2);
    expect(r.code).toBe(1);
    expect(ids(r.stdout)).toEqual(['ftps-constructs:probeControlRefused']);
    expect(r.lingerMs).toBeLessThan(1000);
  }, 30_000);

  test('a greeting that is not FTP', async () => {
    await withServer(
      (socket) => socket.write('SSH-2.0-OpenSSH_9.2\r\n'),
      async (port) => {
        const r = await probeLocal(port, 2);
        expect(r.code).toBe(1);
        expect(ids(r.stdout)).toEqual(['ftps-constructs:probeNotFtp']);
        expect(JSON.parse(r.stdout).diagnoses[0].message).toContain('SSH-2.0');
      },
    );
  }, 30_000);

  test('a name that does not resolve is a DNS failure', async () => {
    const r = await probeProcess(['no-such-host.invalid', '--user', 'u', '--timeout', '2', '--format', 'json']);
    expect(r.code).toBe(1);
    expect(ids(r.stdout)).toEqual(['ftps-constructs:probeDnsFailure']);
  }, 30_000);

  test.each([
    [[''], 'an empty one would connect to this machine'],
    [['127.0.0.1', '--port', '0x15'], '--port "0x15" is not a port number'],
    [['127.0.0.1', '--port', '1e0'], '--port "1e0" is not a port number'],
    [['127.0.0.1', '--passive', '50000-70000'], 'passivePorts.to (70000) must be an integer from 1024 to 65535'],
    [['127.0.0.1', '--passive', '0-5'], 'passivePorts.from (0) must be an integer from 1024 to 65535'],
    [['127.0.0.1', '--concurrency', '0'], '--concurrency "0" must be an integer from 1 to 500'],
    [['127.0.0.1', '--concurrency', '501'], '--concurrency "501" must be an integer from 1 to 500'],
    [['127.0.0.1', '--concurrency', 'ten'], '--concurrency "ten" must be an integer from 1 to 500'],
  ])('%j is refused like every command refuses it (exit 2, one line)', (args, message) => {
    let stderr = '';
    const code = run(['probe', ...args, '--user', 'u', '--password', 'p'], {
      stdout: () => undefined,
      stderr: (t) => (stderr += t),
    });
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('ftps-rules probe: TLS not loaded, and TLS 1.3 failing on data connections', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-tls-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  beforeAll(() => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Reads CRLF lines from a socket and answers them. */
  function lines(socket: net.Socket, onLine: (line: string) => void): void {
    let buffer = '';
    socket.on('data', (d) => {
      buffer += String(d);
      let i: number;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        onLine(line);
      }
    });
  }

  test('a server answering AUTH TLS with 500 (ProFTPD without mod_tls): TLS not offered, and the cleartext login seen', async () => {
    // GIVEN a server that speaks plain FTP only, as ProFTPD does when its TLS block is skipped
    await withServer(
      (socket) => {
        socket.write('220 ProFTPD Server ready.\r\n');
        lines(socket, (line) => {
          if (line.startsWith('USER')) socket.write('331 Password required for u\r\n');
          else if (line.startsWith('AUTH')) socket.write('500 AUTH not understood\r\n');
          else if (line.startsWith('QUIT')) socket.end('221 Goodbye.\r\n');
          else socket.write('500 not understood\r\n');
        });
      },
      async (port) => {
        const p = await probeLocal(port, 3);
        expect(p.code).toBe(1);
        expect(ids(p.stdout)).toEqual(['ftps-constructs:probePlainFtpAccepted', 'ftps-constructs:probeTlsNotOffered']);
        expect(p.stdout).toContain('500 AUTH not understood');
      },
    );
  });

  /**
   * A minimal FTPS server; with `failTls13Data`, a data connection that negotiated TLS 1.3 is closed after its
   * handshake. `load` makes it behave like a daemon under load: `cap` sessions at once (more get vsftpd's 421 at
   * connect), and `ports` passive listeners at once (one more gets vsftpd's "500 OOPS" in clear on the TLS
   * connection, which is then closed).
   */
  function ftpsStandIn(
    failTls13Data: boolean,
    load: { cap?: number; ports?: number; greeting?: string; refuseFirst?: number } = {},
  ) {
    const pems = { cert: fs.readFileSync(cert), key: fs.readFileSync(key) };
    const context = tls.createSecureContext(pems);
    let sessions = 0;
    let held = 0;
    let refused = 0;
    return (socket: net.Socket) => {
      if ((load.cap !== undefined && sessions >= load.cap) || refused < (load.refuseFirst ?? 0)) {
        refused++;
        socket.end('421 There are too many connected users, please try later.\r\n');
        return;
      }
      sessions++;
      socket.on('close', () => sessions--);
      let control: net.Socket = socket;
      let data: { server: tls.Server; socket?: tls.TLSSocket; waiting?: () => void } | undefined;
      const reply = (text: string) => control.write(`${text}\r\n`);
      const serveList = () => {
        const d = data!;
        const s = d.socket!;
        data = undefined;
        if (failTls13Data && s.getProtocol() === 'TLSv1.3') {
          s.destroy();
          reply('426 Failure writing network stream.');
        } else {
          reply('150 Here comes the directory listing.');
          s.end('-rw-r--r-- 1 u u 0 Jan 1 00:00 file\r\n', () => reply('226 Directory send OK.'));
        }
        d.server.close();
      };
      const onLine = (line: string) => {
        const [command] = line.split(' ');
        if (command === 'AUTH') {
          reply('234 Proceed with negotiation.');
          const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: context });
          secure.on('error', () => undefined);
          control = secure;
          lines(secure, onLine);
        } else if (command === 'USER')
          reply(control === socket ? '530 TLS required' : '331 Please specify the password.');
        else if (command === 'PASS') reply('230 Login successful.');
        else if (command === 'PBSZ' || command === 'PROT' || command === 'TYPE') reply('200 OK.');
        else if ((command === 'EPSV' || command === 'PASV') && load.ports !== undefined && held >= load.ports) {
          socket.write('500 OOPS: vsf_sysutil_bind\r\n'); // in clear, onto the TLS connection, as vsftpd does
          socket.destroy();
        } else if (command === 'EPSV' || command === 'PASV') {
          // Each transfer its own data listener, closed with its control connection.
          held++;
          let released = false;
          const release = () => {
            if (!released) held--;
            released = true;
          };
          const server = tls.createServer(pems, (s) => {
            release();
            s.on('error', () => undefined);
            data!.socket = s;
            data!.waiting?.();
          });
          server.on('error', () => undefined);
          socket.on('close', () => {
            release();
            server.close();
          });
          server.listen(0, '127.0.0.1', () => {
            const p = (server.address() as net.AddressInfo).port;
            data = { server };
            reply(
              command === 'EPSV'
                ? `229 Entering Extended Passive Mode (|||${p}|)`
                : `227 Entering Passive Mode (127,0,0,1,${p >> 8},${p & 255}).`,
            );
          });
        } else if (command === 'LIST') {
          if (data?.socket) serveList();
          else if (data) data.waiting = serveList;
          else reply('425 Use PORT or PASV first.');
        } else if (command === 'QUIT') control.end('221 Goodbye.\r\n');
        else reply('500 Unknown command.');
      };
      socket.write(`220 ${load.greeting ?? 'stand-in FTPS'}\r\n`);
      lines(socket, (line) => (control === socket ? onLine(line) : undefined));
    };
  }

  test('a healthy stand-in passes (the stand-in is a working FTPS server)', async () => {
    await withServer(ftpsStandIn(false), async (port) => {
      const p = await probeLocal(port, 3);
      expect(ids(p.stdout)).toEqual([]);
      expect(p.code).toBe(0);
    });
  });

  test('data connections failing only under TLS 1.3: diagnosed by a second try over TLS 1.2, exit 1', async () => {
    await withServer(ftpsStandIn(true), async (port) => {
      const p = await probeLocal(port, 3);
      expect(p.code).toBe(1);
      expect(ids(p.stdout)).toEqual(['ftps-constructs:probeTls13DataFailure']);
      const steps = JSON.parse(p.stdout).steps as Array<{ step: string; ok: boolean }>;
      expect(steps).toContainEqual(expect.objectContaining({ step: 'data over TLS 1.2', ok: true }));
    });
  });

  test('a session cap still full from the last connection: the probe waits for admission (421 retried), then works', async () => {
    // vsftpd with max_clients=1 (a 2-port range) refuses a connection that comes before it has reaped the last one.
    await withServer(ftpsStandIn(false, { refuseFirst: 3 }), async (port) => {
      const p = await probeLocal(port, 3);
      expect(ids(p.stdout)).toEqual([]);
      expect(p.code).toBe(0);
    });
  });

  test('a session cap that stays full: refused by the cap (not "not FTP", not a TLS failure), with the fix', async () => {
    await withServer(ftpsStandIn(false, { refuseFirst: 1000 }), async (port) => {
      const p = await probeLocal(port, 3);
      expect(p.code).toBe(1);
      expect(ids(p.stdout)).toEqual(['ftps-constructs:probeSessionsRefused']);
      expect(JSON.parse(p.stdout).diagnoses[0].message).toMatch(
        /^The server refused the probe's session \(421 There are too many connected users, please try later\.\) for 3 s/,
      );
    });
  }, 15_000);

  describe('load mode (--concurrency): each session failure by its cause, and the fix', () => {
    const loadProbe = (port: number, n: number, extra: string[] = []) =>
      probeProcess([
        '127.0.0.1',
        '--port',
        String(port),
        '--user',
        'u',
        '--timeout',
        '3',
        '--concurrency',
        String(n),
        '--format',
        'json',
        ...extra,
      ]);

    test('every session works: exit 0, no diagnosis', async () => {
      await withServer(ftpsStandIn(false), async (port) => {
        const p = await loadProbe(port, 6);
        expect(p.code).toBe(0);
        const r = JSON.parse(p.stdout);
        expect(r.outcomes).toEqual({ ok: 6, refused: 0, bindFailure: 0, outsideRange: 0, timeout: 0, error: 0 });
        expect(r.diagnoses).toEqual([]);
      });
    });

    test('a session cap: the sessions beyond it are "refused", with the range that carries them all', async () => {
      // (No --passive: the stand-in's data ports are the system's, outside any range one could declare.)
      await withServer(ftpsStandIn(false, { cap: 3, greeting: '(vsFTPd 3.0.3)' }), async (port) => {
        const p = await loadProbe(port, 8);
        expect(p.code).toBe(1);
        const r = JSON.parse(p.stdout);
        expect(r.daemon).toBe('vsftpd');
        expect(r.outcomes).toMatchObject({ ok: 3, refused: 5 });
        expect(ids(p.stdout)).toEqual(['ftps-constructs:probeSessionsRefused']);
        expect(r.diagnoses[0].message).toMatch(/^5 of 8 sessions were refused at connect or login .*\(3 got in\)/);
        expect(r.diagnoses[0].fix).toMatch(/^for 8 clients at once without waiting, widen the range to 26 ports/);
      });
    });

    test("vsftpd's bind failure (500 OOPS in clear on TLS) is told apart from a refusal, with the cap as the fix", async () => {
      await withServer(ftpsStandIn(false, { ports: 5, greeting: '(vsFTPd 3.0.3)' }), async (port) => {
        const p = await loadProbe(port, 8);
        expect(p.code).toBe(1);
        const r = JSON.parse(p.stdout);
        expect(r.outcomes).toMatchObject({ ok: 5, bindFailure: 3, refused: 0 });
        expect(ids(p.stdout)).toEqual(['ftps-constructs:probeRangeExhausted']);
        expect(r.diagnoses[0].message).toMatch(
          /^8 sessions at once exhausted the passive range: 3 ended with vsftpd's bind failure/,
        );
        expect(r.diagnoses[0].fix).toMatch(
          /^cap sessions so a port is always free: excess clients are then refused at login and retry; or widen the range to 26 ports for 8 clients at once\.$/,
        );
      });
    });
  });
});
