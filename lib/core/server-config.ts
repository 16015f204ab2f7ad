// Server configuration rendered from the same FtpsOptions as the firewall rules, so the two cannot drift:
// the passive range, the control port, active mode and TLS come from one declaration.
import * as ipaddr from 'ipaddr.js';
import { Diagnose, FtpsValidationError } from './diagnostics';
import { FtpsOptions, FtpsTls, ResolvedFtpsOptions, portCount } from './ftps-options';
import { passiveCapacity } from './capacity';
import { planFtps } from './plan';
import { LINE_BREAK, PropChecker, SAFE_PATH, describeValue } from './private/checks';

/** What the server needs besides the FTPS options. */
export interface FtpsServerSettings {
  /** PEM certificate (chain) path on the server. */
  readonly certificateFile: string;
  /** PEM private key path on the server. */
  readonly privateKeyFile: string;
  /**
   * The public IPv4 address to advertise in PASV replies, when the server is behind NAT (an EC2 Elastic
   * IP, an Azure public IP): without it, PASV advertises the private address and listings hang.
   * @default none: the server advertises the address the client connected to (no NAT)
   */
  readonly passiveAddress?: string;
  /**
   * Require data connections to resume the control connection's TLS session (vsftpd require_ssl_reuse).
   * Safer; a few old clients fail with 522.
   * @default true
   */
  readonly requireSessionReuse?: boolean;
  /**
   * Directory users are confined to.
   * @default each user's home directory
   */
  readonly usersRoot?: string;
}

/** How a construct library renders a configuration whose values may be deploy-time tokens. */
export interface RenderContext {
  /**
   * Whether a value is a deploy-time token (an Elastic IP, a public IP known after apply): such values are
   * written as they are, for the cloud to substitute, and not validated.
   * @default nothing is a token
   */
  readonly isUnresolved?: (value: string) => boolean;
  /**
   * The backend's deploy-time "first line of" a token (CloudFormation `Fn::Select [0, Fn::Split ["\n", x]]`,
   * Terraform `element(split("\n", x), 0)`), so a token cannot add a line to the configuration whatever it
   * resolves to. Required for a token `passiveAddress`.
   * @default a token passive address is refused
   */
  readonly singleLine?: (value: string) => string;
}

/**
 * Plans the options and checks the settings in one pass (one error listing every problem), then returns the
 * resolved options. Nothing from the settings reaches a line unchecked: a token (a deploy-time address) is
 * written as it is, and the boot script refuses a configuration whose line count a token changed.
 */
function check(
  options: FtpsOptions,
  settings: FtpsServerSettings,
  server: string,
  context: RenderContext,
  extraPaths: readonly string[] = [],
): ResolvedFtpsOptions {
  const isToken = (v: unknown) => typeof v === 'string' && context.isUnresolved?.(v) === true;
  const c = new PropChecker((v) => isToken(v));
  const s = c.object(
    'server settings',
    settings,
    { diagnose: Diagnose.missingProps, fix: 'pass { certificateFile, privateKeyFile }.' },
    true,
  );
  if (s !== undefined) {
    const address = c.string('passiveAddress', s.passiveAddress, {
      diagnose: Diagnose.invalidAddress,
      fix: 'give the public IPv4 address, e.g. the Elastic IP, or leave it out when there is no NAT.',
    });
    if (address !== undefined && isToken(address) && context.singleLine === undefined) {
      c.add(
        Diagnose.unsafeValue(
          'passiveAddress is a deploy-time value (a token), and nothing keeps a line break in its value from adding a line to the configuration.',
          'pass context.singleLine (the backend constructs do), or the address itself.',
        ),
      );
    } else if (address !== undefined && !isToken(address) && !ipaddr.IPv4.isValidFourPartDecimal(address)) {
      c.add(
        Diagnose.invalidAddress(
          `passiveAddress (${describeValue(address)}) must be an IPv4 address: a PASV reply carries only IPv4 (IPv6 clients use EPSV, which carries no address).`,
          'give the public IPv4 address, e.g. the Elastic IP.',
        ),
      );
    }
    const path = (name: string, required: boolean) => {
      const value = c.string(
        name,
        s[name],
        {
          diagnose: Diagnose.invalidServerSetting,
          fix: 'give an absolute path of letters, digits and . _ + @ / - only.',
        },
        { required },
      );
      if (value === undefined || isToken(value)) return;
      if (!SAFE_PATH.test(value) || LINE_BREAK.test(value) || value.split('/').includes('..')) {
        c.add(
          Diagnose.unsafeValue(
            `${name} (${describeValue(value)}) must be an absolute path of letters, digits and . _ + @ / - only: a space, quote, comma or newline would break the configuration line or the command line it is written into.`,
            'rename the file or directory, e.g. /etc/ftps/certificate.pem.',
          ),
        );
      }
    };
    path('certificateFile', true);
    path('privateKeyFile', true);
    path('usersRoot', false);
    for (const name of extraPaths) path(name, false);
    if (s.requireSessionReuse !== undefined) {
      c.boolean('requireSessionReuse', s.requireSessionReuse, {
        diagnose: Diagnose.invalidServerSetting,
        fix: 'pass false only for clients that cannot resume TLS sessions; leave it unset otherwise.',
      });
    }
  }
  return planFtps(options, { context: server, also: c.found }).options;
}

/** The session cap a daemon's configuration sets for the range (see capacity.ts). */
function capOf(daemon: 'vsftpd' | 'proftpd', o: ResolvedFtpsOptions): number {
  return passiveCapacity(daemon, portCount(o.passivePorts)).sessionCap!;
}

/** The passive address as written into a configuration line: a token cut to its first line at deploy time. */
function passiveAddressOf(settings: FtpsServerSettings, context: RenderContext): string | undefined {
  const a = settings.passiveAddress;
  if (a === undefined || !context.isUnresolved?.(a)) return a;
  return context.singleLine!(a);
}

/**
 * A complete vsftpd.conf: TLS required for logins and data, plain FTP refused, anonymous off, the passive
 * range and (behind NAT) the advertised address. Accepted by vsftpd 3.0.3 (Debian 12) and later.
 */
export function renderVsftpdConf(
  options: FtpsOptions,
  settings: FtpsServerSettings,
  context: RenderContext = {},
): string {
  const o = check(options, settings, 'vsftpd', context);
  const passiveAddress = passiveAddressOf(settings, context);
  const lines = [
    '# Rendered by ftps-constructs from the same options as the firewall rules. Do not edit the ports here.',
    // vsftpd 3.0.3 answers PASV with 0,0,0,0 to IPv4 clients when listen_ipv6 and pasv_address are both
    // set: with an advertised address, listen on IPv4 only.
    ...(passiveAddress
      ? ['listen=YES', 'listen_ipv6=NO', `pasv_address=${passiveAddress}`, 'pasv_addr_resolve=NO']
      : ['listen=NO', 'listen_ipv6=YES']),
    `listen_port=${o.controlPort}`,
    'anonymous_enable=NO',
    'local_enable=YES',
    'write_enable=YES',
    'chroot_local_user=YES',
    'allow_writeable_chroot=YES',
    ...(settings.usersRoot ? [`local_root=${settings.usersRoot}`] : []),
    'pasv_enable=YES',
    `pasv_min_port=${o.passivePorts.from}`,
    `pasv_max_port=${o.passivePorts.to}`,
    // Sessions capped by the range: vsftpd draws 9 random passive ports and ends the session when all 9 are held;
    // at this cap that happens to under 1 transfer in 100,000 even with every other session holding a port.
    // Clients beyond it are refused at connect (421) and retry.
    `max_clients=${capOf('vsftpd', o)}`,
    `port_enable=${o.activeMode ? 'YES' : 'NO'}`,
    ...(o.activeMode ? ['connect_from_port_20=YES', `ftp_data_port=${o.activeDataPort}`] : []),
    'ssl_enable=YES',
    `implicit_ssl=${o.tls === FtpsTls.IMPLICIT ? 'YES' : 'NO'}`,
    'allow_anon_ssl=NO',
    'force_local_logins_ssl=YES',
    'force_local_data_ssl=YES',
    'ssl_sslv2=NO',
    'ssl_sslv3=NO',
    // vsftpd 3.0.3 has no per-version switches beyond this; the TLS floor is the system OpenSSL policy
    // (TLS 1.2 on Debian 12 and Amazon Linux 2023).
    'ssl_tlsv1=YES',
    // vsftpd's default cipher list is refused by OpenSSL 3.
    'ssl_ciphers=HIGH',
    `rsa_cert_file=${settings.certificateFile}`,
    `rsa_private_key_file=${settings.privateKeyFile}`,
    `require_ssl_reuse=${settings.requireSessionReuse === false ? 'NO' : 'YES'}`,
    'pam_service_name=vsftpd',
    'secure_chroot_dir=/var/run/vsftpd/empty',
    'xferlog_enable=YES',
    '',
  ];
  return lines.join('\n');
}

/** Where a distribution's ProFTPD keeps its modules (Debian and Ubuntu). */
export const PROFTPD_MODULE_PATH = '/usr/lib/proftpd';

/** ProFTPD-only settings. */
export interface ProftpdSettings {
  /**
   * Directory of ProFTPD's loadable modules, where `mod_tls.so` is (Debian 12 and Ubuntu 24.04 ship it in the
   * `proftpd-mod-crypto` package, not in `proftpd-core`).
   * @default /usr/lib/proftpd
   */
  readonly modulePath?: string;
}

/**
 * A complete proftpd.conf, to replace the distribution's (`/etc/proftpd/proftpd.conf`), that fails closed: it loads
 * mod_tls itself and uses its directives outside any `<IfModule>`, so a ProFTPD without mod_tls refuses to start
 * (unknown directive) instead of serving plain FTP; `TLSRequired on` refuses a login before `AUTH TLS`. Being the
 * whole file, it leaves no listener of the stock configuration (Debian's `Port 21`) beside an implicit-TLS port.
 * Users with a nologin shell are admitted (`RequireValidShell off`; Debian's PAM file for ProFTPD has `pam_shells`
 * commented out) and confined to their home (or `usersRoot`).
 */
export function renderProftpdConf(
  options: FtpsOptions,
  settings: FtpsServerSettings & ProftpdSettings,
  context: RenderContext = {},
): string {
  const o = check(options, settings, 'ProFTPD', context, ['modulePath']);
  const passiveAddress = passiveAddressOf(settings, context);
  const tlsOptions = [
    ...(settings.requireSessionReuse === false ? ['NoSessionReuseRequired'] : []),
    ...(o.tls === FtpsTls.IMPLICIT ? ['UseImplicitSSL'] : []),
  ];
  return [
    '# Rendered by ftps-constructs from the same options as the firewall rules: the whole proftpd.conf.',
    '# TLS is loaded and required here, outside any <IfModule>: without mod_tls ProFTPD refuses to start.',
    `ModulePath ${settings.modulePath ?? PROFTPD_MODULE_PATH}`,
    'LoadModule mod_tls.c',
    'ServerName "FTPS"',
    'ServerType standalone',
    'DefaultServer on',
    'UseIPv6 on',
    `Port ${o.controlPort}`,
    'User nobody',
    'Group nogroup',
    'Umask 022',
    'AllowOverwrite on',
    'RequireValidShell off',
    'UseReverseDNS off',
    ...(settings.usersRoot ? [`DefaultRoot ${settings.usersRoot}`] : ['DefaultRoot ~']),
    // When the range is exhausted ProFTPD falls back to any port, which the firewall drops: one session per port
    // keeps every data port inside the range. Clients beyond it are refused at login (530) and retry.
    `PassivePorts ${o.passivePorts.from} ${o.passivePorts.to}`,
    `MaxClients ${capOf('proftpd', o)}`,
    ...(passiveAddress ? [`MasqueradeAddress ${passiveAddress}`] : []),
    ...(o.activeMode ? [] : ['<Limit PORT EPRT>', '  DenyAll', '</Limit>']),
    '<Limit LOGIN>',
    '  AllowAll',
    '</Limit>',
    'TLSEngine on',
    'TLSRequired on',
    'TLSProtocol TLSv1.2 TLSv1.3',
    `TLSRSACertificateFile ${settings.certificateFile}`,
    `TLSRSACertificateKeyFile ${settings.privateKeyFile}`,
    ...(tlsOptions.length > 0 ? [`TLSOptions ${tlsOptions.join(' ')}`] : []),
    '',
  ].join('\n');
}

/** Pure-FTPd command-line flags. Implicit TLS is a compile-time option in Pure-FTPd: an error here. */
export function renderPureFtpdFlags(
  options: FtpsOptions,
  settings: FtpsServerSettings,
  context: RenderContext = {},
): string[] {
  // Pure-FTPd has no switch to refuse PORT: with activeMode off, the firewall's missing egress stops active data.
  const o = check(options, settings, 'Pure-FTPd', context);
  if (o.tls === FtpsTls.IMPLICIT) {
    throw new FtpsValidationError(
      [
        Diagnose.unsupportedSetting(
          'tls IMPLICIT: implicit TLS is a compile-time option of Pure-FTPd, not a flag.',
          'use explicit TLS, or vsftpd/ProFTPD for implicit TLS.',
        ),
      ],
      'Pure-FTPd',
    );
  }
  const passiveAddress = passiveAddressOf(settings, context);
  const pureCap = passiveCapacity('pure-ftpd', portCount(o.passivePorts)).sessionCap;
  return [
    '-S',
    `,${o.controlPort}`,
    '-p',
    `${o.passivePorts.from}:${o.passivePorts.to}`,
    // Pure-FTPd caps sessions at half the range itself; said here so the unit shows it (a 1-port range: no cap).
    ...(pureCap === undefined ? [] : ['-c', String(pureCap)]),
    ...(passiveAddress ? ['-P', passiveAddress] : []),
    // 3: TLS required for control and data; plain FTP refused.
    '-Y',
    '3',
    '-2',
    `${settings.certificateFile},${settings.privateKeyFile}`,
    // System accounts (/etc/passwd and shadow, not PAM: Debian's PAM file checks the shell), no anonymous
    // login, everyone confined to their home, no reverse DNS.
    '-l',
    'unix',
    '-E',
    '-A',
    '-H',
  ];
}

/**
 * A systemd unit that runs Pure-FTPd with {@link renderPureFtpdFlags}: the form to install, because Debian's
 * packaged service runs `pure-ftpd-wrapper`, which reads settings from /etc/pure-ftpd/conf/, rejects command-line
 * flags (`Unknown option: p`) and has no setting for the certificate flag `-2`. Install it as
 * /etc/systemd/system/pure-ftpd-ftps.service and disable the packaged `pure-ftpd` service.
 */
export function renderPureFtpdService(
  options: FtpsOptions,
  settings: FtpsServerSettings,
  context: RenderContext = {},
): string {
  const flags = renderPureFtpdFlags(options, settings, context);
  return [
    '# Rendered by ftps-constructs from the same options as the firewall rules.',
    '[Unit]',
    'Description=Pure-FTPd FTPS server (ftps-constructs)',
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=/usr/sbin/pure-ftpd ${flags.join(' ')}`,
    'Restart=on-failure',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
