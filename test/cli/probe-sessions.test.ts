import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
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
