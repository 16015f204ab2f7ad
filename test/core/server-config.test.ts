import { FtpsTls, renderProftpdConf, renderPureFtpdFlags, renderVsftpdConf } from '../../lib/core';

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
  test('explicit: PassivePorts, MasqueradeAddress, TLS required, active refused', () => {
    const conf = renderProftpdConf(SEED, { ...FILES, passiveAddress: '203.0.113.9' });
    expect(conf).toContain(
      'Port 21\nPassivePorts 50000 50004\nMasqueradeAddress 203.0.113.9\n<Limit PORT EPRT>\n  DenyAll\n</Limit>',
    );
    expect(conf).toContain('  TLSEngine on\n  TLSRequired on\n  TLSProtocol TLSv1.2 TLSv1.3');
    expect(conf).not.toContain('TLSOptions');
  });

  test('implicit: a virtual host on 990 with UseImplicitSSL', () => {
    const conf = renderProftpdConf({ ...SEED, tls: FtpsTls.IMPLICIT }, { ...FILES, requireSessionReuse: false });
    expect(conf).toContain('Port 0\n<VirtualHost 0.0.0.0>\n  Port 990');
    expect(conf).toContain('TLSOptions NoSessionReuseRequired UseImplicitSSL');
  });
});

describe('renderPureFtpdFlags', () => {
  test('passive range, public address, TLS for control and data, no anonymous', () => {
    expect(renderPureFtpdFlags(SEED, { ...FILES, passiveAddress: '203.0.113.9' })).toEqual([
      '-S',
      ',21',
      '-p',
      '50000:50004',
      '-P',
      '203.0.113.9',
      '-Y',
      '3',
      '-E',
      '-2',
      '/etc/ssl/ftps.pem,/etc/ssl/private/ftps.key',
    ]);
  });

  test('fails for implicit TLS (compile-time in Pure-FTPd)', () => {
    expect(() => renderPureFtpdFlags({ ...SEED, tls: FtpsTls.IMPLICIT }, FILES)).toThrow(
      /implicit TLS is a compile-time option/,
    );
  });
});
