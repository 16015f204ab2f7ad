// Real FTPS clients beyond curl: lftp (passive), python3's ftplib.FTP_TLS, and rclone (with and without TLS 1.3).
// Each uploads, lists and downloads one file and compares checksums, like ftpsSession.
import * as path from 'node:path';
import { PASSWORD, SessionResult, USER, Workspace, checksum, ftpsSession } from './ftp';
import { Host, run } from './topology';

export type ClientKind = 'curl' | 'lftp' | 'python' | 'rclone' | 'rclone-tls12';
export const CLIENTS: readonly ClientKind[] = ['curl', 'lftp', 'python', 'rclone', 'rclone-tls12'];

export interface ClientSession {
  readonly client: Host;
  readonly server: string;
  readonly port: number;
  readonly timeoutSeconds?: number;
}

/** One explicit-FTPS passive session with the named client. */
export function clientSession(kind: ClientKind, ws: Workspace, s: ClientSession): SessionResult {
  const name = `m-${kind}-${process.hrtime.bigint()}.bin`;
  const down = path.join(ws.dir, `${name}.down`);
  const t = s.timeoutSeconds ?? 8;
  let r: { status: number | null; stdout: string; stderr: string };
  switch (kind) {
    case 'curl':
      return ftpsSession(ws, { client: s.client, server: s.server, tls: 'explicit', port: s.port, mode: 'epsv' });
    case 'lftp':
      r = run(
        'lftp',
        [
          '-c',
          [
            'set ftp:passive-mode yes',
            'set ftp:ssl-force yes',
            'set ftp:ssl-protect-data yes',
            'set ssl:verify-certificate no',
            `set net:timeout ${t}`,
            'set net:max-retries 1',
            'set xfer:clobber yes',
            `open -u ${USER},${PASSWORD} ftp://${host(s.server)}:${s.port}`,
            `put ${ws.payload} -o ${name}`,
            'cls -1',
            `get ${name} -o ${down}`,
            'bye',
          ].join('\n'),
        ],
        { ns: s.client.ns, timeoutMs: (t * 4 + 5) * 1000 },
      );
      break;
    case 'python':
      r = run(
        'python3',
        [
          '-c',
          [
            'import ftplib, ssl, sys',
            'ctx = ssl.create_default_context()',
            'ctx.check_hostname = False',
            'ctx.verify_mode = ssl.CERT_NONE',
            `f = ftplib.FTP_TLS(context=ctx, timeout=${t})`,
            `f.connect(${JSON.stringify(s.server)}, ${s.port})`,
            `f.login(${JSON.stringify(USER)}, ${JSON.stringify(PASSWORD)})`,
            'f.prot_p()',
            `f.storbinary("STOR ${name}", open(${JSON.stringify(ws.payload)}, "rb"))`,
            'print("\\n".join(f.nlst()))',
            `f.retrbinary("RETR ${name}", open(${JSON.stringify(down)}, "wb").write)`,
            'f.quit()',
          ].join('\n'),
        ],
        { ns: s.client.ns, timeoutMs: (t * 4 + 5) * 1000 },
      );
      break;
    case 'rclone':
    case 'rclone-tls12': {
      const obscured = run('rclone', ['obscure', PASSWORD]).stdout.trim();
      const remote = [
        ':ftp',
        `host=${s.server}`,
        `port=${s.port}`,
        `user=${USER}`,
        `pass=${obscured}`,
        'explicit_tls=true',
        'no_check_certificate=true',
        ...(kind === 'rclone-tls12' ? ['disable_tls13=true'] : []),
      ].join(',');
      const env = ['--config', '/dev/null', '--retries', '1', '--low-level-retries', '1', '--timeout', `${t}s`];
      const steps: string[][] = [
        ['copyto', ws.payload, `${remote}:${name}`, ...env],
        ['lsf', `${remote}:`, ...env],
        ['copyto', `${remote}:${name}`, down, ...env],
      ];
      let listing = '';
      for (const step of steps) {
        r = run('rclone', step, { ns: s.client.ns, timeoutMs: (t * 3 + 5) * 1000 });
        if (r.status !== 0)
          return { ok: false, step: step[0], detail: `rclone exit ${r.status}: ${lastLine(r.stderr)}` };
        if (step[0] === 'lsf') listing = r.stdout;
      }
      if (!listing.includes(name)) return { ok: false, step: 'list', detail: `listing lacks ${name}` };
      return checksum(ws, down);
    }
  }
  if (r.status !== 0) return { ok: false, step: kind, detail: `${kind} exit ${r.status}: ${lastLine(r.stderr)}` };
  if (!r.stdout.includes(name)) return { ok: false, step: 'list', detail: `listing lacks ${name}` };
  return checksum(ws, down);
}

function host(server: string): string {
  return server.includes(':') ? `[${server}]` : server;
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n').filter(Boolean);
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}
