// The boot script of a deployable FTPS server (EC2 user data, Azure cloud-init): installs the FTP daemon (vsftpd,
// ProFTPD or Pure-FTPd), writes the configuration its renderer made (the same options as the firewall), puts the
// certificate in place, creates the FTP users and starts the service. Shared by the AWS and Azure servers, so a fix lands
// on both. The cloud-specific parts (how to fetch a secret) come in as shell commands. Every value is spliced as
// one quoted shell word (tokens too: see private/shell.ts); the configuration's own values were checked (or, for
// tokens, cut to their first line) by its renderer, so nothing can end the heredoc it is written in.
import { Diagnose, Diagnostic, FtpsValidationError } from './diagnostics';
import { FtpsOptions, FtpsTls } from './ftps-options';
import {
  FtpsServerSettings,
  RenderContext,
  renderProftpdConf,
  renderPureFtpdService,
  renderVsftpdConf,
} from './server-config';
import { SAFE_PATH, describeValue } from './private/checks';
import { ShellQuoting, NO_TOKENS, shellWord } from './private/shell';

/** Where the certificate comes from at boot. */
export type BootCertificate =
  /** Shell commands that write the PEM certificate and key to the paths in `VsftpdBootScriptProps`. */
  | { readonly kind: 'fetch'; readonly commands: readonly string[] }
  /** A self-signed certificate made at boot: for tests only (clients must skip verification). */
  | { readonly kind: 'selfSigned'; readonly commonName: string };

export type { ShellQuoting } from './private/shell';

/** The FTP daemons a deployable server can run. */
export type FtpDaemon = 'vsftpd' | 'proftpd' | 'pure-ftpd';
export const FTP_DAEMONS: readonly FtpDaemon[] = ['vsftpd', 'proftpd', 'pure-ftpd'];

/**
 * The file a daemon's boot script writes, rendered from the FTPS options: vsftpd.conf, a whole proftpd.conf, or
 * the systemd unit that runs Pure-FTPd with its flags.
 */
export function renderDaemonConfiguration(
  daemon: FtpDaemon,
  options: FtpsOptions,
  settings: FtpsServerSettings,
  context: RenderContext = {},
): string {
  const problems = daemonProblems({ daemon, tls: options?.tls });
  if (problems.length > 0) throw new FtpsValidationError(problems, 'server configuration');
  if (daemon === 'proftpd') return renderProftpdConf(options, settings, context);
  if (daemon === 'pure-ftpd') return renderPureFtpdService(options, settings, context);
  return renderVsftpdConf(options, settings, context);
}

/** Per daemon: the packages, where its configuration goes, and the heredoc marker around it. */
const DAEMON_BOOT: Record<
  FtpDaemon,
  { readonly packages: string; readonly path?: string; readonly marker: string; readonly service: string }
> = {
  vsftpd: { packages: 'vsftpd', marker: 'FTPS_CONSTRUCTS_VSFTPD_CONF', service: 'vsftpd' },
  // mod_tls is in proftpd-mod-crypto on Debian 12 and Ubuntu 24.04; the configuration loads it, so without it
  // ProFTPD does not start.
  proftpd: {
    packages: 'proftpd-core proftpd-mod-crypto',
    path: '/etc/proftpd/proftpd.conf',
    marker: 'FTPS_CONSTRUCTS_PROFTPD_CONF',
    service: 'proftpd',
  },
  'pure-ftpd': {
    packages: 'pure-ftpd',
    path: '/etc/systemd/system/pure-ftpd-ftps.service',
    marker: 'FTPS_CONSTRUCTS_PUREFTPD_UNIT',
    service: 'pure-ftpd-ftps',
  },
};

/** The heredoc delimiter around each daemon's configuration in the boot script (tools and tests extract by it). */
export const BOOT_CONF_MARKERS: Record<FtpDaemon, string> = {
  vsftpd: DAEMON_BOOT.vsftpd.marker,
  proftpd: DAEMON_BOOT.proftpd.marker,
  'pure-ftpd': DAEMON_BOOT['pure-ftpd'].marker,
};

export interface VsftpdBootScriptProps {
  /**
   * The FTP daemon.
   * @default vsftpd
   */
  readonly daemon?: FtpDaemon;
  /** The rendered configuration ({@link renderDaemonConfiguration}; may hold deploy-time tokens, written as they are). */
  readonly conf: string;
  /** Package manager of the image: ProFTPD and Pure-FTPd need apt (Amazon Linux 2023 does not package them). */
  readonly packageManager: 'dnf' | 'apt';
  /** Where the distribution's vsftpd service reads its configuration (vsftpd only; the others' paths are fixed). */
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
   * Commands run after the packages are installed, before the certificate and users are fetched (e.g. installing
   * the cloud's command-line tool where the image lacks it).
   * @default none
   */
  readonly prepare?: readonly string[];
  /**
   * Give each user an id from its name (20000 + CRC-32 of the name mod 40000) instead of the next free one, so
   * servers sharing one file system (a fleet's EFS or Azure Files share) agree on who owns each home, whatever
   * order users were added in. Two names on one id stop the script (never a home owned by another user).
   * @default false
   */
  readonly stableUids?: boolean;
  /**
   * How values (paths, the certificate's common name) are quoted; give the backend's, so deploy-time tokens are
   * quoted by their resolved value.
   * @default values are never tokens
   */
  readonly quoting?: ShellQuoting;
}

/** The heredoc delimiter around vsftpd.conf in the boot script: tools (and tests) extract the file by it. */
export const VSFTPD_CONF_MARKER = DAEMON_BOOT.vsftpd.marker;

const NOLOGIN = '/usr/sbin/nologin';

/**
 * The boot script as lines of bash (without the `#!` line, which EC2 and cloud-init add themselves).
 * Fails fast (`set -euo pipefail`): a server that cannot fetch its certificate does not start half-configured.
 */
export function renderVsftpdBootScript(props: VsftpdBootScriptProps): string[] {
  const daemon = props.daemon ?? 'vsftpd';
  const boot = Object.prototype.hasOwnProperty.call(DAEMON_BOOT, daemon) ? DAEMON_BOOT[daemon] : undefined;
  if (boot === undefined || (daemon !== 'vsftpd' && props.packageManager !== 'apt')) {
    throw new FtpsValidationError(
      [
        boot === undefined
          ? Diagnose.invalidServerSetting(
              `daemon (${describeValue(daemon)}) is not one of ${FTP_DAEMONS.join(', ')}.`,
              "use 'vsftpd' (the default), 'proftpd' or 'pure-ftpd'.",
            )
          : Diagnose.unsupportedSetting(
              `daemon ${daemon} with ${props.packageManager}: Amazon Linux 2023 does not package ProFTPD or Pure-FTPd.`,
              'use an Ubuntu or Debian image (apt), or vsftpd.',
            ),
      ],
      'boot script',
    );
  }
  const confPath = boot.path ?? props.confPath;
  if (!SAFE_PATH.test(confPath)) {
    throw new FtpsValidationError(
      [
        Diagnose.unsafeValue(
          `confPath (${describeValue(confPath)}) is not a plain absolute path.`,
          'give a path of letters, digits and . _ + @ / - only.',
        ),
      ],
      'boot script',
    );
  }
  const q = (value: string) => shellWord(value, props.quoting ?? NO_TOKENS);
  const [conf, key, cert, root] = [confPath, props.privateKeyFile, props.certificateFile, props.usersRoot].map(q);
  const install =
    props.packageManager === 'dnf'
      ? [`dnf install -y ${boot.packages} openssl python3`]
      : [
          'export DEBIAN_FRONTEND=noninteractive',
          // No service starts while packages install: a stock configuration (plain FTP on 21, no chroot) never
          // serves, not even for the seconds before ours is written.
          "trap 'rm -f /usr/sbin/policy-rc.d' EXIT",
          "printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d",
          'chmod 0755 /usr/sbin/policy-rc.d',
          'apt-get update',
          `apt-get install -y ${boot.packages} openssl python3`,
          'rm -f /usr/sbin/policy-rc.d',
        ];
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
        props.stableUids ? 'import json, os, pwd, re, subprocess, sys, zlib' : 'import json, os, re, subprocess, sys',
        'users = json.load(sys.stdin)',
        'if not isinstance(users, dict):',
        '    sys.exit("ftps-constructs: the users secret must be a JSON object of user names to passwords")',
        'for name, password in users.items():',
        '    if not re.fullmatch(r"[a-z_][a-z0-9_-]{0,31}", name) or not isinstance(password, str) or "\\n" in password or "\\r" in password or ":" in name:',
        '        sys.exit("ftps-constructs: invalid user name or password for " + repr(name))',
        '    home = os.path.join(os.environ["FTPS_USERS_ROOT"], name)',
        ...(props.stableUids
          ? [
              // The same id on every server sharing the users root; a clash with another name stops the boot.
              '    wanted = 20000 + zlib.crc32(name.encode()) % 40000',
              '    try:',
              '        holder = pwd.getpwuid(wanted).pw_name',
              '    except KeyError:',
              '        holder = name',
              '    if holder != name:',
              '        sys.exit("ftps-constructs: user id " + str(wanted) + " of " + repr(name) + " is taken by " + repr(holder))',
            ]
          : []),
        '    if subprocess.run(["id", "-u", name], capture_output=True).returncode != 0:',
        `        subprocess.run(["useradd", "--create-home", "--home-dir", home, "--shell", "${NOLOGIN}"${props.stableUids ? ', "--uid", str(wanted)' : ''}, name], check=True)`,
        '    subprocess.run(["chpasswd"], input=(name + ":" + password + "\\n").encode(), check=True)',
        "'",
      ]
    : [];
  const confLines = props.conf.replace(/\n$/, '').split('\n');
  const service =
    daemon === 'vsftpd'
      ? [
          // The distributions disagree on vsftpd's `background` default and the unit's Type: run it in the
          // foreground under systemd on both.
          'mkdir -p /etc/systemd/system/vsftpd.service.d',
          "cat > /etc/systemd/system/vsftpd.service.d/ftps-constructs.conf <<'EOF'",
          '[Service]',
          'Type=simple',
          'ExecStart=',
          `ExecStart=/usr/sbin/vsftpd ${confPath} -obackground=NO`,
          'Restart=on-failure',
          'EOF',
          'systemctl daemon-reload',
          'systemctl enable vsftpd',
          'systemctl restart vsftpd',
        ]
      : daemon === 'proftpd'
        ? ['systemctl daemon-reload', 'systemctl enable proftpd', 'systemctl restart proftpd']
        : [
            // The packaged service runs pure-ftpd-wrapper, which ignores our flags: it must never run.
            'systemctl disable --now pure-ftpd.service 2>/dev/null || true',
            'systemctl mask pure-ftpd.service',
            'systemctl daemon-reload',
            `systemctl enable ${boot.service}`,
            `systemctl restart ${boot.service}`,
          ];
  return [
    'set -euo pipefail',
    'umask 022',
    ...install,
    ...(props.prepare ?? []),
    `install -d -m 0755 ${root}`,
    // mkdir, not install -m: an existing directory (the Azure agent's /var/lib/waagent) keeps its mode.
    `mkdir -p "$(dirname ${conf})" "$(dirname ${cert})" "$(dirname ${key})"`,
    ...(daemon === 'vsftpd'
      ? [
          'install -d -m 0755 /var/run/vsftpd/empty',
          // /var/run is a tmpfs: recreate vsftpd's secure_chroot_dir at every boot.
          "echo 'd /var/run/vsftpd/empty 0755 root root -' > /etc/tmpfiles.d/ftps-constructs-vsftpd.conf",
        ]
      : []),
    // vsftpd's PAM service (pam_shells) and Pure-FTPd itself admit only users whose shell is listed in /etc/shells;
    // the FTP users have none (ProFTPD's RequireValidShell is off in its configuration).
    ...(daemon !== 'proftpd' ? [`grep -qx ${NOLOGIN} /etc/shells || echo ${NOLOGIN} >> /etc/shells`] : []),
    `cat > ${conf} <<'${boot.marker}'`,
    ...confLines,
    boot.marker,
    '(',
    'umask 077',
    ...certificate,
    ')',
    `chmod 0600 ${key}`,
    ...users,
    ...service,
    // A daemon that did not stay up fails the boot script, with its state in the log.
    `sleep 1; systemctl is-active --quiet ${boot.service} || { systemctl status ${boot.service} --no-pager || true; exit 1; }`,
  ];
}

/** A shared file system for servers that serve the same files (a fleet's EFS or Azure Files NFS share). */
export interface SharedMount {
  /** The command that installs the mount helper (e.g. `dnf install -y amazon-efs-utils`). */
  readonly install: string;
  /** The /etc/fstab source: `fs-12345678:/`, `account.file.core.windows.net:/account/share` (a token is quoted by value). */
  readonly source: string;
  /** The /etc/fstab type: `efs`, `nfs`. */
  readonly type: 'efs' | 'nfs';
  /** The /etc/fstab options (letters, digits and `_ = , .` only). */
  readonly options: string;
  /** Where it is mounted (a plain absolute path): the users root. */
  readonly mountPoint: string;
}

/**
 * Boot commands that mount a shared file system: the helper installed, an /etc/fstab line (kept for reboots), and
 * the mount retried for 5 minutes (30 × 10 s: mount targets and service endpoints take a while to answer); then
 * the boot stops with a line saying so, before the daemon starts: a server without the shared files never serves.
 * Run them as `prepare` of {@link renderVsftpdBootScript}.
 */
export function sharedMountCommands(m: SharedMount, quoting: ShellQuoting = NO_TOKENS): string[] {
  // A literal source with a blank or a `#` would add fields to (or end) its fstab line.
  const badSource = !quoting.isUnresolved(m.source) && (m.source === '' || /[\s#]/.test(m.source));
  if (
    badSource ||
    !SAFE_PATH.test(m.mountPoint) ||
    !/^[A-Za-z0-9_=,.]+$/.test(m.options) ||
    !['efs', 'nfs'].includes(m.type)
  ) {
    throw new FtpsValidationError(
      [
        Diagnose.unsafeValue(
          `shared mount (source ${describeValue(m.source)} at ${describeValue(m.mountPoint)}, ${describeValue(m.type)} ${describeValue(m.options)}) is not one /etc/fstab line.`,
          'give a source without blanks or #, a path of letters, digits and . _ + @ / - only, type efs or nfs, and options of letters, digits and _ = , . only.',
        ),
      ],
      'boot script',
    );
  }
  const root = shellWord(m.mountPoint);
  return [
    m.install,
    `install -d -m 0755 ${root}`,
    `printf '%s %s ${m.type} ${m.options} 0 0\\n' ${shellWord(m.source, quoting)} ${root} >> /etc/fstab`,
    `tries=0; until mountpoint -q ${root} || mount ${root}; do tries=$((tries + 1)); if [ "$tries" -ge 30 ]; then echo "ftps-constructs: cannot mount the shared file system at ${m.mountPoint}; stopping before the FTP daemon starts" >&2; exit 1; fi; sleep 10; done`,
  ];
}

/** The daemon and package manager: known values, a package manager that has the daemon, TLS it can do. */
export function daemonProblems(props: {
  readonly daemon?: unknown;
  readonly packageManager?: unknown;
  readonly tls?: unknown;
}): Diagnostic[] {
  const out: Diagnostic[] = [];
  const daemon = props.daemon === undefined ? 'vsftpd' : props.daemon; // null is not "unset"
  if (!FTP_DAEMONS.includes(daemon as FtpDaemon)) {
    out.push(
      Diagnose.invalidProp(
        `daemon (${describeValue(props.daemon)}) is not one of ${FTP_DAEMONS.join(', ')}.`,
        "use 'vsftpd' (the default), 'proftpd' or 'pure-ftpd'.",
      ),
    );
    return out;
  }
  if (props.packageManager !== undefined && props.packageManager !== 'dnf' && props.packageManager !== 'apt') {
    out.push(
      Diagnose.invalidProp(
        `packageManager (${describeValue(props.packageManager)}) must be 'dnf' or 'apt'.`,
        "use 'apt' for Ubuntu and Debian images, 'dnf' for Amazon Linux, or leave it out.",
      ),
    );
  } else if (daemon !== 'vsftpd' && props.packageManager === 'dnf') {
    out.push(
      Diagnose.unsupportedSetting(
        `daemon ${daemon} with packageManager 'dnf': Amazon Linux 2023 does not package ProFTPD or Pure-FTPd.`,
        'leave machineImage and packageManager out (Ubuntu 24.04), use an Ubuntu or Debian image with apt, or use vsftpd.',
      ),
    );
  }
  if (daemon === 'pure-ftpd' && props.tls === FtpsTls.IMPLICIT) {
    out.push(
      Diagnose.unsupportedSetting(
        'daemon pure-ftpd with tls IMPLICIT: implicit TLS is a compile-time option of Pure-FTPd, not a flag.',
        'use explicit TLS, or vsftpd/ProFTPD for implicit TLS.',
      ),
    );
  }
  return out;
}
