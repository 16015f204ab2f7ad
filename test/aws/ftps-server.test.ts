import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { FtpsServer, FtpsServerProps } from '../../lib/aws';
import { FtpsTls } from '../../lib/core';
import { bootScriptConf, bootScriptFile, confEntries, scriptSyntaxErrors } from '../support/terraform-custom-data';
import { cfnText, publicFixture, resourcesOf, warningsOf } from './fixtures';

type Json = Record<string, unknown>;
const CLIENT = ec2.Peer.ipv4('203.0.113.0/24');

function server(overrides: Partial<FtpsServerProps> = {}) {
  const { app, stack, vpc } = publicFixture();
  const certificateSecret = secretsmanager.Secret.fromSecretCompleteArn(
    stack,
    'Cert',
    'arn:aws:secretsmanager:us-east-1:111111111111:secret:ftps/cert-AbCdEf',
  );
  const usersSecret = secretsmanager.Secret.fromSecretNameV2(stack, 'Users', 'ftps/users');
  const s = new FtpsServer(stack, 'Ftps', {
    vpc,
    passivePorts: { from: 50000, to: 50019 },
    clients: [CLIENT],
    certificateSecret,
    usersSecret,
    ...overrides,
  });
  return { app, stack, server: s, template: Template.fromStack(stack) };
}

function instance(stack: Stack): Json {
  const [props] = resourcesOf(stack, 'AWS::EC2::Instance');
  return props;
}

const userData = (stack: Stack) => cfnText(instance(stack).UserData);

/** The vsftpd.conf the instance writes at boot, read from the template's user data. */
const bootConf = (stack: Stack) => confEntries(bootScriptConf(userData(stack)));

const eipId = (stack: Stack) => Object.keys(Template.fromStack(stack).findResources('AWS::EC2::EIP'))[0];

describe('AWS FtpsServer', () => {
  test('the vsftpd.conf in the user data opens exactly the ports the security group opens', () => {
    const { stack } = server();
    const conf = bootConf(stack);
    const ingress = resourcesOf(stack, 'AWS::EC2::SecurityGroup').flatMap(
      (g) => (g.SecurityGroupIngress as Json[] | undefined) ?? [],
    );
    expect(ingress.map((r) => [r.CidrIp, r.FromPort, r.ToPort])).toEqual([
      ['203.0.113.0/24', Number(conf.listen_port), Number(conf.listen_port)],
      ['203.0.113.0/24', Number(conf.pasv_min_port), Number(conf.pasv_max_port)],
    ]);
    expect(conf).toMatchObject({ listen_port: '21', pasv_min_port: '50000', pasv_max_port: '50019' });
    expect(conf).toMatchObject({ ssl_enable: 'YES', force_local_logins_ssl: 'YES', force_local_data_ssl: 'YES' });
    expect(conf).toMatchObject({ anonymous_enable: 'NO', port_enable: 'NO', require_ssl_reuse: 'YES' });
  });

  test('PASV advertises the Elastic IP (the NAT trap), which is associated with the instance', () => {
    const { stack } = server();
    const eip = eipId(stack);
    expect(bootConf(stack)).toMatchObject({ pasv_address: `{GetAtt:${eip}.PublicIp}`, listen: 'YES' });
    const [association] = resourcesOf(stack, 'AWS::EC2::EIPAssociation');
    expect(association).toEqual({
      AllocationId: { 'Fn::GetAtt': [eip, 'AllocationId'] },
      InstanceId: { Ref: expect.stringMatching(/^FtpsInstance/) },
    });
    expect(resourcesOf(stack, 'AWS::EC2::EIP')).toEqual([{ Domain: 'vpc' }]);
  });

  test('hardening: IMDSv2 required, encrypted volume, Amazon Linux 2023, public subnet, no launch template', () => {
    const { stack, template } = server();
    const i = instance(stack);
    expect(i.MetadataOptions).toEqual({ HttpTokens: 'required', HttpEndpoint: 'enabled' });
    expect(i.BlockDeviceMappings).toEqual([
      {
        DeviceName: '/dev/xvda',
        Ebs: { Encrypted: true, VolumeSize: 8, VolumeType: 'gp3', DeleteOnTermination: true },
      },
    ]);
    expect(i.SubnetId).toBe('subnet-aaaaaaaa');
    expect(i.KeyName).toBeUndefined();
    template.resourceCountIs('AWS::EC2::LaunchTemplate', 0);
    expect(JSON.stringify(template.toJSON().Parameters)).toContain('al2023-ami');
  });

  test('no SSH: nothing but the FTPS ports is admitted, and only HTTPS goes out (SSM, secrets, packages)', () => {
    const { stack } = server();
    const groups = resourcesOf(stack, 'AWS::EC2::SecurityGroup');
    const ingress = groups.flatMap((g) => (g.SecurityGroupIngress as Json[] | undefined) ?? []);
    expect(ingress.map((r) => r.FromPort).sort()).toEqual([21, 50000]);
    const egress = groups.flatMap((g) => (g.SecurityGroupEgress as Json[] | undefined) ?? []);
    expect(egress.filter((r) => r.IpProtocol !== 'icmp')).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
    ]);
    expect(instance(stack).SecurityGroupIds).toHaveLength(2);
  });

  test('SSM administration, and the instance may read exactly the two secrets', () => {
    const { stack } = server();
    const [role] = resourcesOf(stack, 'AWS::IAM::Role');
    expect(JSON.stringify(role.ManagedPolicyArns)).toContain('AmazonSSMManagedInstanceCore');
    const statements = resourcesOf(stack, 'AWS::IAM::Policy').flatMap(
      (p) => (p.PolicyDocument as { Statement: Json[] }).Statement,
    );
    const resources = statements
      .filter((s) => JSON.stringify(s.Action).includes('secretsmanager:GetSecretValue'))
      .map((s) => cfnText(s.Resource));
    expect(resources.sort()).toEqual([
      'arn:aws:secretsmanager:us-east-1:111111111111:secret:ftps/cert-AbCdEf',
      'arn:{Ref:AWS::Partition}:secretsmanager:us-east-1:111111111111:secret:ftps/users-??????',
    ]);
  });

  test('the boot script fetches the certificate and the users from the secrets, then starts vsftpd', () => {
    const { stack } = server();
    const script = userData(stack);
    expect(script).toMatch(/^#!\/bin\/bash\nset -euo pipefail\n/);
    expect(script).toContain('dnf install -y vsftpd');
    expect(script).toContain(
      "--secret-id 'arn:aws:secretsmanager:us-east-1:111111111111:secret:ftps/cert-AbCdEf' --query SecretString",
    );
    expect(script).toContain("--secret-id 'ftps/users' --query SecretString");
    expect(script).toContain('ExecStart=/usr/sbin/vsftpd /etc/vsftpd/vsftpd.conf -obackground=NO');
    // Started last, and the boot fails if it did not stay up.
    expect(script.trimEnd().split('\n').slice(-2)).toEqual([
      'systemctl restart vsftpd',
      'sleep 1; systemctl is-active --quiet vsftpd || { systemctl status vsftpd --no-pager || true; exit 1; }',
    ]);
    expect(script).not.toContain('openssl req');
  });

  test('the boot script is valid bash, and its inline Python programs compile', () => {
    expect(scriptSyntaxErrors(userData(server().stack))).toEqual([]);
    expect(
      scriptSyntaxErrors(userData(server({ certificateSecret: undefined, selfSignedCertificate: true }).stack)),
    ).toEqual([]);
    // negative control: the check does see a broken script
    expect(scriptSyntaxErrors("if true; then\npython3 -c 'def ('\n")).toHaveLength(2);
  });

  test('implicit TLS renders implicit_ssl on 990 and opens 990', () => {
    const { stack } = server({ tls: FtpsTls.IMPLICIT });
    expect(bootConf(stack)).toMatchObject({ implicit_ssl: 'YES', listen_port: '990' });
    const ingress = resourcesOf(stack, 'AWS::EC2::SecurityGroup').flatMap(
      (g) => (g.SecurityGroupIngress as Json[] | undefined) ?? [],
    );
    expect(ingress.map((r) => r.FromPort)).toContain(990);
  });

  test('requireSessionReuse: false reaches the config', () => {
    const { stack } = server({ requireSessionReuse: false });
    expect(bootConf(stack).require_ssl_reuse).toBe('NO');
  });

  test('self-signed is an explicit opt-in with a warning, and makes its certificate for the Elastic IP', () => {
    const { stack } = server({ certificateSecret: undefined, selfSignedCertificate: true });
    expect(userData(stack)).toContain(
      // A deploy-time value reaches the shell base64-encoded by CloudFormation, decoded into one quoted word.
      `openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "$(printf %s '${Buffer.from(`/CN={GetAtt:${eipId(stack)}.PublicIp}`).toString('base64')}' | base64 -d)"`,
    );
    expect(warningsOf(stack).map(([id]) => id)).toContain('ftps-constructs:selfSignedCertificate');
  });

  test('no certificate, or both sources, is an error naming the fix', () => {
    expect(() => server({ certificateSecret: undefined })).toThrow(
      /Stack\/Ftps: \[ftps-constructs:certificateSource\] no certificate: FTPS needs one\. Fix: give certificateSecret/,
    );
    expect(() => server({ selfSignedCertificate: true })).toThrow(/both given\. Fix: remove selfSignedCertificate/);
  });

  test('bad FTPS options fail before anything is synthesized', () => {
    expect(() => server({ passivePorts: { from: 50010, to: 50000 } })).toThrow(/50010/);
  });

  test('snapshot of the server (reviewed like code)', () => {
    const { template } = server();
    expect(template.toJSON()).toMatchSnapshot();
  });
});

describe('AWS FtpsServer with ProFTPD or Pure-FTPd', () => {
  const ingressOf = (stack: Stack) =>
    JSON.stringify(
      resourcesOf(stack, 'AWS::EC2::SecurityGroup')
        .filter((g) => String(g.GroupDescription).startsWith('FTPS server'))
        .map((g) => g.SecurityGroupIngress),
    );

  test('the firewall does not change with the daemon', () => {
    const vsftpd = ingressOf(server().stack);
    expect(ingressOf(server({ daemon: 'proftpd' }).stack)).toEqual(vsftpd);
    expect(ingressOf(server({ daemon: 'pure-ftpd' }).stack)).toEqual(vsftpd);
  });

  test('proftpd: the whole proftpd.conf with the same ports and the Elastic IP, on Ubuntu with apt, nothing started early', () => {
    const { stack, server: s } = server({ daemon: 'proftpd' });
    const script = userData(stack);
    const conf = bootScriptFile(script, 'FTPS_CONSTRUCTS_PROFTPD_CONF');
    expect(conf.split('\n')).toHaveLength(s.configuration.split('\n').length);
    expect(conf).toContain('\nLoadModule mod_tls.c\n');
    expect(conf).toContain('\nPort 21\n');
    expect(conf).toContain('\nPassivePorts 50000 50019\nMaxClients 20\n');
    expect(conf).toContain(`\nMasqueradeAddress {GetAtt:${eipId(stack)}.PublicIp}\n`);
    expect(script).toContain("cat > '/etc/proftpd/proftpd.conf' <<'FTPS_CONSTRUCTS_PROFTPD_CONF'");
    expect(script).toContain("printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d");
    expect(script).toContain('apt-get install -y proftpd-core proftpd-mod-crypto openssl python3');
    expect(script).toContain(
      'command -v aws >/dev/null || snap install aws-cli --classic || apt-get install -y awscli',
    );
    expect(script).toContain("'/etc/ftps-constructs/certificate.pem' '/etc/ftps-constructs/private-key.pem'");
    expect(script.trimEnd().split('\n').slice(-2)).toEqual([
      'systemctl restart proftpd',
      'sleep 1; systemctl is-active --quiet proftpd || { systemctl status proftpd --no-pager || true; exit 1; }',
    ]);
    expect(scriptSyntaxErrors(script)).toEqual([]);
    // Ubuntu 24.04 from Canonical's SSM parameter, and HTTP out for its apt mirrors
    expect(JSON.stringify(Template.fromStack(stack).toJSON().Parameters)).toContain('canonical/ubuntu/server/24.04');
    const egress = resourcesOf(stack, 'AWS::EC2::SecurityGroup').flatMap(
      (g) => (g.SecurityGroupEgress as Json[] | undefined) ?? [],
    );
    expect(egress.map((r) => r.ToPort)).toEqual(expect.arrayContaining([443, 80]));
  });

  test('pure-ftpd: its own systemd unit with the flags; the packaged wrapper service is masked', () => {
    const { stack, server: s } = server({ daemon: 'pure-ftpd' });
    const script = userData(stack);
    const unit = bootScriptFile(script, 'FTPS_CONSTRUCTS_PUREFTPD_UNIT');
    expect(unit.split('\n')).toHaveLength(s.configuration.split('\n').length);
    expect(unit).toMatch(
      /\nExecStart=\/usr\/sbin\/pure-ftpd -S ,21 -p 50000:50019 -c 10 -P \{GetAtt:FtpsElasticIp[0-9A-F]+\.PublicIp\} -Y 3 -2 \/etc\/ftps-constructs\/certificate\.pem,\/etc\/ftps-constructs\/private-key\.pem -l unix -E -A -H\n/,
    );
    expect(script).toContain("cat > '/etc/systemd/system/pure-ftpd-ftps.service' <<'FTPS_CONSTRUCTS_PUREFTPD_UNIT'");
    expect(script).toContain('systemctl mask pure-ftpd.service');
    expect(script).toContain('systemctl enable pure-ftpd-ftps');
    expect(scriptSyntaxErrors(script)).toEqual([]);
  });

  test.each<[string, Partial<FtpsServerProps>, RegExp]>([
    [
      'proftpd on Amazon Linux',
      { daemon: 'proftpd', packageManager: 'dnf' },
      /Amazon Linux 2023 does not package ProFTPD or Pure-FTPd/,
    ],
    [
      'pure-ftpd with implicit TLS',
      { daemon: 'pure-ftpd', tls: FtpsTls.IMPLICIT },
      /implicit TLS is a compile-time option of Pure-FTPd/,
    ],
    ['an unknown daemon', { daemon: 'nginx' as never }, /daemon \("nginx"\) is not one of vsftpd, proftpd, pure-ftpd/],
    [
      'an unknown package manager',
      { packageManager: 'yum' as never },
      /packageManager \("yum"\) must be 'dnf' or 'apt'/,
    ],
  ])('fails for %s, and nothing is added', (_name, overrides, message) => {
    const { stack, vpc } = publicFixture();
    const usersSecret = secretsmanager.Secret.fromSecretNameV2(stack, 'Users', 'ftps/users');
    expect(
      () =>
        new FtpsServer(stack, 'Ftps', {
          vpc,
          passivePorts: { from: 50000, to: 50019 },
          clients: [CLIENT],
          selfSignedCertificate: true,
          usersSecret,
          ...overrides,
        }),
    ).toThrow(message);
    expect(stack.node.tryFindChild('Ftps')).toBeUndefined();
  });
});
