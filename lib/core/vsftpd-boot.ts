// The boot script of a deployable FTPS server (EC2 user data, Azure cloud-init): installs vsftpd, writes the
// configuration rendered by renderVsftpdConf (the same options as the firewall), puts the certificate in
// place, creates the FTP users and starts the service. Shared by the AWS and Azure servers, so a fix lands
// on both. The cloud-specific parts (how to fetch a secret) come in as shell commands. Every value is spliced as
// one quoted shell word (tokens too: see private/shell.ts); the configuration's own values were checked (or, for
// tokens, cut to their first line) by its renderer, so nothing can end the heredoc it is written in.
import { Diagnose, FtpsValidationError } from './diagnostics';
import { SAFE_PATH, describeValue } from './private/checks';
import { ShellQuoting, NO_TOKENS, shellWord } from './private/shell';

/** Where the certificate comes from at boot. */
export type BootCertificate =
  /** Shell commands that write the PEM certificate and key to the paths in `VsftpdBootScriptProps`. */
  | { readonly kind: 'fetch'; readonly commands: readonly string[] }
  /** A self-signed certificate made at boot: for tests only (clients must skip verification). */
  | { readonly kind: 'selfSigned'; readonly commonName: string };

export type { ShellQuoting } from './private/shell';

export interface VsftpdBootScriptProps {
  /** The rendered vsftpd.conf (may hold deploy-time tokens, written as they are). */
  readonly conf: string;
  /** Package manager of the image. */
  readonly packageManager: 'dnf' | 'apt';
  /** Where the distribution's vsftpd service reads its configuration. */
  readonly confPath: string;
  /** Certificate and key paths named in the configuration. */
  readonly certificateFile: string;
  readonly privateKeyFile: string;
  readonly certificate: BootCertificate;
  /**
   * A shell command that prints the users as JSON, `{"user": "password", ...}`, on standard output.
   * @default no users are created (add them yourself)
   */
  readonly usersJsonCommand?: string;
  /** Parent of the users' home directories (each user is confined to its home). */
  readonly usersRoot: string;
  /**
   * How values (paths, the certificate's common name) are quoted; give the backend's, so deploy-time tokens are
   * quoted by their resolved value.
   * @default values are never tokens
   */
  readonly quoting?: ShellQuoting;
}

/** The heredoc delimiter around vsftpd.conf in the boot script: tools (and tests) extract the file by it. */
export const VSFTPD_CONF_MARKER = 'FTPS_CONSTRUCTS_VSFTPD_CONF';

const NOLOGIN = '/usr/sbin/nologin';

/**
 * The boot script as lines of bash (without the `#!` line, which EC2 and cloud-init add themselves).
 * Fails fast (`set -euo pipefail`): a server that cannot fetch its certificate does not start half-configured.
 */
export function renderVsftpdBootScript(props: VsftpdBootScriptProps): string[] {
  if (!SAFE_PATH.test(props.confPath)) {
    throw new FtpsValidationError(
      [
        Diagnose.unsafeValue(
          `confPath (${describeValue(props.confPath)}) is not a plain absolute path.`,
          'give a path of letters, digits and . _ + @ / - only.',
        ),
      ],
      'boot script',
    );
  }
  const q = (value: string) => shellWord(value, props.quoting ?? NO_TOKENS);
  const [conf, key, cert, root] = [props.confPath, props.privateKeyFile, props.certificateFile, props.usersRoot].map(q);
  const install =
    props.packageManager === 'dnf'
      ? ['dnf install -y vsftpd openssl python3']
      : ['export DEBIAN_FRONTEND=noninteractive', 'apt-get update', 'apt-get install -y vsftpd openssl python3'];
  const certificate =
    props.certificate.kind === 'fetch'
      ? [...props.certificate.commands]
      : [
          // Test-only certificate: made here, never leaves the machine.
          `openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj ${q(`/CN=${props.certificate.commonName}`)} -keyout ${key} -out ${cert}`,
        ];
  const users = props.usersJsonCommand
    ? [
        // The users root travels in the environment, never inside the Python program's text.
        `${props.usersJsonCommand} | FTPS_USERS_ROOT=${root} python3 -c '`,
        'import json, os, re, subprocess, sys',
        'users = json.load(sys.stdin)',
        'if not isinstance(users, dict):',
        '    sys.exit("ftps-constructs: the users secret must be a JSON object of user names to passwords")',
        'for name, password in users.items():',
        '    if not re.fullmatch(r"[a-z_][a-z0-9_-]{0,31}", name) or not isinstance(password, str) or "\\n" in password or "\\r" in password or ":" in name:',
        '        sys.exit("ftps-constructs: invalid user name or password for " + repr(name))',
        '    home = os.path.join(os.environ["FTPS_USERS_ROOT"], name)',
        '    if subprocess.run(["id", "-u", name], capture_output=True).returncode != 0:',
        `        subprocess.run(["useradd", "--create-home", "--home-dir", home, "--shell", "${NOLOGIN}", name], check=True)`,
        '    subprocess.run(["chpasswd"], input=(name + ":" + password + "\\n").encode(), check=True)',
        "'",
      ]
    : [];
  const confLines = props.conf.replace(/\n$/, '').split('\n');
  return [
    'set -euo pipefail',
    'umask 022',
    ...install,
    `install -d -m 0755 ${root} /var/run/vsftpd/empty`,
    // /var/run is a tmpfs: recreate vsftpd's secure_chroot_dir at every boot.
    "echo 'd /var/run/vsftpd/empty 0755 root root -' > /etc/tmpfiles.d/ftps-constructs-vsftpd.conf",
    // vsftpd's PAM service admits only users whose shell is listed in /etc/shells.
    `grep -qx ${NOLOGIN} /etc/shells || echo ${NOLOGIN} >> /etc/shells`,
    `cat > ${conf} <<'${VSFTPD_CONF_MARKER}'`,
    ...confLines,
    VSFTPD_CONF_MARKER,
    '(',
    'umask 077',
    ...certificate,
    ')',
    `chmod 0600 ${key}`,
    ...users,
    // The distributions disagree on vsftpd's `background` default and the unit's Type: run it in the
    // foreground under systemd on both.
    'mkdir -p /etc/systemd/system/vsftpd.service.d',
    "cat > /etc/systemd/system/vsftpd.service.d/ftps-constructs.conf <<'EOF'",
    '[Service]',
    'Type=simple',
    'ExecStart=',
    `ExecStart=/usr/sbin/vsftpd ${props.confPath} -obackground=NO`,
    'Restart=on-failure',
    'EOF',
    'systemctl daemon-reload',
    'systemctl enable vsftpd',
    'systemctl restart vsftpd',
  ];
}
