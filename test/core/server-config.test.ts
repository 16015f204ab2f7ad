import {
  DiagnosticIds,
  FtpsTls,
  FtpsValidationError,
  renderDaemonConfiguration,
  renderProftpdConf,
  renderPureFtpdFlags,
  renderPureFtpdService,
  renderVsftpdConf,
} from '../../lib/core';

const SEED = { passivePorts: { from: 50000, to: 50004 } };
const FILES = { certificateFile: '/etc/ssl/ftps.pem', privateKeyFile: '/etc/ssl/private/ftps.key' };
const settingsOf = (conf: string) =>
  Object.fromEntries(
    conf
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split('=') as [string, string]),
  );

describe('renderVsftpdConf', () => {
  test('seed: the same ports as the rules, TLS required for logins and data, plain and anonymous refused', () => {
    const s = settingsOf(renderVsftpdConf(SEED, FILES));
    expect(s).toMatchObject({
      listen: 'NO',
      listen_ipv6: 'YES',
      listen_port: '21',
      pasv_min_port: '50000',
      pasv_max_port: '50004',
      max_clients: '2',
      port_enable: 'NO',
      ssl_enable: 'YES',
      implicit_ssl: 'NO',
      force_local_logins_ssl: 'YES',
      force_local_data_ssl: 'YES',
      anonymous_enable: 'NO',
      allow_anon_ssl: 'NO',
      ssl_ciphers: 'HIGH',
      rsa_cert_file: '/etc/ssl/ftps.pem',
      require_ssl_reuse: 'YES',
    });
    expect(s.pasv_address).toBeUndefined();
  });

  test('behind NAT: IPv4 listener and pasv_address (vsftpd 3.0.3 sends 0,0,0,0 with listen_ipv6 and pasv_address)', () => {
    const s = settingsOf(renderVsftpdConf(SEED, { ...FILES, passiveAddress: '203.0.113.9' }));
    expect(s).toMatchObject({ listen: 'YES', listen_ipv6: 'NO', pasv_address: '203.0.113.9' });
  });

  test('implicit TLS on 990, active mode from 989, session reuse off when asked', () => {
    const s = settingsOf(
      renderVsftpdConf(
        { ...SEED, tls: FtpsTls.IMPLICIT, activeMode: true },
        { ...FILES, requireSessionReuse: false, usersRoot: '/srv/ftp' },
      ),
    );
    expect(s).toMatchObject({
      listen_port: '990',
      implicit_ssl: 'YES',
      port_enable: 'YES',
      ftp_data_port: '989',
      require_ssl_reuse: 'NO',
      local_root: '/srv/ftp',
    });
  });

  test('fails on bad options or settings, naming the fix', () => {
    expect(() => renderVsftpdConf({ passivePorts: { from: 50004, to: 50000 } }, FILES)).toThrow(
      /^vsftpd: \[ftps-constructs:invertedPortRange\] passivePorts \(50004-50000\) is inverted/,
    );
    expect(() => renderVsftpdConf(SEED, { ...FILES, passiveAddress: '2001:db8::1' })).toThrow(
      /PASV reply carries only IPv4/,
    );
    expect(() => renderVsftpdConf(SEED, { ...FILES, certificateFile: 'relative.pem' })).toThrow(
      /certificateFile \("relative.pem"\) must be an absolute path/,
    );
  });
});

describe('renderProftpdConf', () => {
  const lines = (conf: string) => conf.split('\n').filter((l) => l && !l.startsWith('#'));

  test('explicit: a whole proftpd.conf that loads mod_tls itself, outside any IfModule (fails closed)', () => {
    const conf = renderProftpdConf(SEED, { ...FILES, passiveAddress: '203.0.113.9' });
    expect(lines(conf)).toEqual([
      'ModulePath /usr/lib/proftpd',
      'LoadModule mod_tls.c',
      'ServerName "FTPS"',
      'ServerType standalone',
      'DefaultServer on',
      'UseIPv6 on',
      'Port 21',
      'User nobody',
      'Group nogroup',
      'Umask 022',
      'AllowOverwrite on',
      'RequireValidShell off',
      'UseReverseDNS off',
      'DefaultRoot ~',
      'PassivePorts 50000 50004',
      'MaxClients 5',
      'MasqueradeAddress 203.0.113.9',
      '<Limit PORT EPRT>',
      '  DenyAll',
      '</Limit>',
      '<Limit LOGIN>',
      '  AllowAll',
      '</Limit>',
      'TLSEngine on',
      'TLSRequired on',
      'TLSProtocol TLSv1.2 TLSv1.3',
      'TLSRSACertificateFile /etc/ssl/ftps.pem',
      'TLSRSACertificateKeyFile /etc/ssl/private/ftps.key',
    ]);
    expect(lines(conf).join('\n')).not.toMatch(/IfModule|VirtualHost|Include/);
  });

  test('implicit: the one port is 990 with UseImplicitSSL; no second (cleartext) listener', () => {
    const conf = renderProftpdConf({ ...SEED, tls: FtpsTls.IMPLICIT }, { ...FILES, requireSessionReuse: false });
    expect(lines(conf).filter((l) => /^Port /.test(l))).toEqual(['Port 990']);
    expect(conf).toContain('\nTLSOptions NoSessionReuseRequired UseImplicitSSL\n');
  });

  test('modulePath for other layouts, checked like every path', () => {
    expect(renderProftpdConf(SEED, { ...FILES, modulePath: '/usr/libexec/proftpd' })).toContain(
      'ModulePath /usr/libexec/proftpd\n',
    );
    expect(() => renderProftpdConf(SEED, { ...FILES, modulePath: '/usr/lib\nLoadModule x' })).toThrow(
      /modulePath .* must be an absolute path/,
    );
  });
});

describe('renderDaemonConfiguration', () => {
  test('each daemon gets its own file from the same options', () => {
    expect(renderDaemonConfiguration('vsftpd', SEED, FILES)).toContain('\npasv_min_port=50000\n');
    expect(renderDaemonConfiguration('proftpd', SEED, FILES)).toContain('\nPassivePorts 50000 50004\n');
    expect(renderDaemonConfiguration('pure-ftpd', SEED, FILES)).toContain(' -p 50000:50004 ');
  });

  test.each([['nginx'], ['constructor'], ['__proto__'], [null], [7]])(
    'fails for the daemon %p, naming the choices',
    (daemon) => {
      expect(() => renderDaemonConfiguration(daemon as never, SEED, FILES)).toThrow(
        /\[ftps-constructs:invalidProp\] daemon \(.*\) is not one of vsftpd, proftpd, pure-ftpd/,
      );
    },
  );
});

describe('renderPureFtpdFlags and renderPureFtpdService', () => {
  test('passive range, public address, TLS for control and data, system accounts, chroot, no anonymous', () => {
    expect(renderPureFtpdFlags(SEED, { ...FILES, passiveAddress: '203.0.113.9' })).toEqual([
      '-S',
      ',21',
      '-p',
      '50000:50004',
      '-c',
      '2',
      '-P',
      '203.0.113.9',
      '-Y',
      '3',
      '-2',
      '/etc/ssl/ftps.pem,/etc/ssl/private/ftps.key',
      '-l',
      'unix',
      '-E',
      '-A',
      '-H',
    ]);
  });

  test('a systemd unit that runs the binary with those flags (not the Debian wrapper, which rejects them)', () => {
    const unit = renderPureFtpdService(SEED, FILES);
    expect(unit).toContain(
      '\nExecStart=/usr/sbin/pure-ftpd -S ,21 -p 50000:50004 -c 2 -Y 3 -2 /etc/ssl/ftps.pem,/etc/ssl/private/ftps.key -l unix -E -A -H\n',
    );
    expect(unit).toContain('\nType=simple\n');
    expect(unit).not.toContain('pure-ftpd-wrapper');
  });

  test('fails for implicit TLS (compile-time in Pure-FTPd)', () => {
    expect(() => renderPureFtpdFlags({ ...SEED, tls: FtpsTls.IMPLICIT }, FILES)).toThrow(
      /implicit TLS is a compile-time option/,
    );
    expect(() => renderPureFtpdService({ ...SEED, tls: FtpsTls.IMPLICIT }, FILES)).toThrow(
      /implicit TLS is a compile-time option/,
    );
  });
});

describe('no value from the settings can add a configuration line or split an argument', () => {
  const idsOf = (f: () => unknown): string[] => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(FtpsValidationError);
      return (e as FtpsValidationError).diagnostics.map((d) => d.id);
    }
    return [];
  };

  test.each([
    ['usersRoot', '/srv/ftps\nanonymous_enable=YES'],
    ['usersRoot', 'srv/ftps'],
    ['usersRoot', '/srv/../etc'],
    ['certificateFile', '/etc/ssl/ftps.pem\nanonymous_enable=YES'],
    ['certificateFile', '/etc/ssl/a,b.pem'],
    ['privateKeyFile', "/etc/ssl/k'ey.pem"],
  ])('%s %p is refused (unsafeValue), by every renderer', (name, value) => {
    for (const render of [renderVsftpdConf, renderProftpdConf, renderPureFtpdFlags]) {
      expect(idsOf(() => render(SEED, { ...FILES, [name]: value }))).toContain(DiagnosticIds.UNSAFE_VALUE);
    }
  });

  test('a passive address with a line break is refused; a token one needs the backend first-line function', () => {
    expect(
      idsOf(() => renderVsftpdConf(SEED, { ...FILES, passiveAddress: '198.51.100.7\nanonymous_enable=YES' })),
    ).toEqual([DiagnosticIds.INVALID_ADDRESS]);
    const TOKEN = '${Token[ADDRESS]}';
    const isUnresolved = (v: string) => v === TOKEN;
    expect(idsOf(() => renderVsftpdConf(SEED, { ...FILES, passiveAddress: TOKEN }, { isUnresolved }))).toEqual([
      DiagnosticIds.UNSAFE_VALUE,
    ]);
    const conf = renderVsftpdConf(
      SEED,
      { ...FILES, passiveAddress: TOKEN },
      { isUnresolved, singleLine: (v) => `firstLine(${v})` },
    );
    expect(conf).toContain(`pasv_address=firstLine(${TOKEN})\n`);
    expect(
      renderProftpdConf(
        SEED,
        { ...FILES, passiveAddress: TOKEN },
        { isUnresolved, singleLine: (v) => `firstLine(${v})` },
      ),
    ).toContain(`MasqueradeAddress firstLine(${TOKEN})\n`);
  });

  test('Pure-FTPd implicit TLS is an FtpsValidationError with an id, not a plain Error', () => {
    expect(idsOf(() => renderPureFtpdFlags({ ...SEED, tls: FtpsTls.IMPLICIT }, FILES))).toEqual([
      DiagnosticIds.UNSUPPORTED_SETTING,
    ]);
  });
});
