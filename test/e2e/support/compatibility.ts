// The client compatibility of the three daemons as rendered, one place: the end-to-end suite asserts every cell
// against it, and the README's table is rendered from it (test/docs checks the README). Imports nothing from lib/.
export type DaemonName = 'vsftpd' | 'proftpd' | 'pure-ftpd';
export type ClientName = 'curl' | 'lftp' | 'python' | 'rclone' | 'rclone-tls12';

export const CLIENT_LABELS: Record<ClientName, string> = {
  curl: 'curl 7.88',
  lftp: 'lftp 4.9',
  python: 'python3 ftplib (3.11)',
  rclone: 'rclone 1.60, TLS 1.3',
  'rclone-tls12': 'rclone 1.60, `disable_tls13`',
};

/** A known incompatibility: why, and the fix with its cost. */
export interface Incompatibility {
  readonly why: string;
  readonly fix: string;
}

const PYTHON_REUSE: Incompatibility = {
  why: "ftplib never resumes the control connection's TLS session on data connections; the server requires it and refuses the data connection",
  fix: 'requireSessionReuse: false on the server (cost: a data connection is no longer bound to the authenticated control session, RFC 4217 §10.2), or a client that resumes sessions (curl, lftp, rclone)',
};
const RCLONE_TLS13: Incompatibility = {
  why: 'Go TLS 1.3 session resumption against vsftpd 3.0.3 fails (SSL_accept: binder does not verify); the data connection is closed',
  fix: 'rclone `disable_tls13 = true` (TLS 1.2, still required), or ProFTPD / Pure-FTPd',
};

/** The cells that fail, by daemon, client and whether session reuse is required; every other cell passes. */
export function expectedIncompatibility(
  daemon: DaemonName,
  client: ClientName,
  reuseRequired: boolean,
): Incompatibility | undefined {
  if (client === 'python' && reuseRequired && daemon !== 'pure-ftpd') return PYTHON_REUSE;
  if (client === 'rclone' && daemon === 'vsftpd') return RCLONE_TLS13;
  return undefined;
}

export const DAEMON_NAMES: readonly DaemonName[] = ['vsftpd', 'proftpd', 'pure-ftpd'];
export const CLIENT_NAMES: readonly ClientName[] = ['curl', 'lftp', 'python', 'rclone', 'rclone-tls12'];

/** The README's table: daemon × client, with session reuse required (the default) and not. */
export function compatibilityTable(): string {
  const cell = (d: DaemonName, c: ClientName) => {
    const on = expectedIncompatibility(d, c, true);
    const off = expectedIncompatibility(d, c, false);
    if (!on && !off) return 'yes';
    if (on && !off) return 'only with `requireSessionReuse: false`';
    return 'no';
  };
  const header = `| client | ${DAEMON_NAMES.join(' | ')} |`;
  const rows = CLIENT_NAMES.map((c) => `| ${CLIENT_LABELS[c]} | ${DAEMON_NAMES.map((d) => cell(d, c)).join(' | ')} |`);
  const notes = [PYTHON_REUSE, RCLONE_TLS13].map((i) => `- ${i.why}. Fix: ${i.fix}.`);
  return [header, `|---|${DAEMON_NAMES.map(() => '---').join('|')}|`, ...rows, '', ...notes].join('\n');
}
