// `ftps-rules probe`: a real FTPS session against a running server, through the real firewall, step by
// step, with a diagnosis for what goes wrong. The control channel uses basic-ftp; data connections are
// opened here, one by one, so each can be timed and explained.
import { Client, FTPError, FTPResponse } from 'basic-ftp';
import { parseEpsvResponse, parsePasvResponse } from 'basic-ftp/dist/transfer';
import * as ipaddr from 'ipaddr.js';
import * as dns from 'node:dns';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { Diagnostic, PortRange, formatPorts, rangeContains } from '../../core';
import { Diagnose } from '../../core/internal';

export interface ProbeOptions {
  readonly host: string;
  readonly port: number;
  readonly tls: 'explicit' | 'implicit';
  readonly user: string;
  readonly password: string;
  /** The passive range the user believes is configured (and opened in the firewall). */
  readonly passive?: PortRange;
  /** Data connections to try per passive command (EPSV and PASV each). */
  readonly attempts: number;
  readonly timeoutMs: number;
  readonly tlsMaxVersion?: tls.SecureVersion;
}

export interface ProbeStep {
  readonly step: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly detail: string;
}

export interface DataAttempt {
  readonly command: 'EPSV' | 'PASV';
  readonly reply: string;
  readonly address: string;
  readonly port: number;
  /** Where this probe connected: the control address and the offered port (as most clients do). */
  readonly tried: string;
  /** Opened: TCP connect, TLS and a listing over it. */
  readonly opened: boolean;
  readonly ms: number;
  readonly detail: string;
}

/** A finding of the probe: the core's diagnostic type, made by the core's registry (ids `ftps-constructs:probe...`). */
export type ProbeDiagnosis = Diagnostic;

export interface ProbeReport {
  readonly target: string;
  readonly ok: boolean;
  readonly steps: ProbeStep[];
  readonly certificate?: { subject: string; issuer: string; validTo: string; matchesHost: boolean };
  readonly data: DataAttempt[];
  readonly diagnoses: ProbeDiagnosis[];
}

const since = (t: number) => Math.round(performance.now() - t);

/**
 * A session cap (vsftpd `max_clients`, Pure-FTPd's own) refuses a new connection with 421 until the server has reaped
 * the last one, and the probe's connections follow each other: a 421 is retried for up to this long.
 */
const ADMISSION_MS = 3000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A refusal by a session cap: 421 at connect, or ProFTPD's 530 "maximum number of allowed clients" at login. */
export const CAP_REFUSAL = /too many|maximum|already logged in|try again later/i;

/** Connects (implicit TLS, or plain for AUTH TLS next), retrying a session cap's 421 for {@link ADMISSION_MS}. */
export async function connectAdmitted(
  client: Client,
  o: Pick<ProbeOptions, 'host' | 'port' | 'tls'>,
  tlsOptions: tls.ConnectionOptions,
): Promise<FTPResponse> {
  const deadline = performance.now() + ADMISSION_MS;
  for (;;) {
    try {
      return o.tls === 'implicit'
        ? await client.connectImplicitTLS(o.host, o.port, tlsOptions)
        : await client.connect(o.host, o.port);
    } catch (e) {
      if (!(e instanceof FTPError && e.code === 421) || performance.now() > deadline) throw e;
      await sleep(200);
    }
  }
}

export async function probe(o: ProbeOptions): Promise<ProbeReport> {
  const steps: ProbeStep[] = [];
  const data: DataAttempt[] = [];
  const diagnoses: ProbeDiagnosis[] = [];
  const target = `${o.host}:${o.port}`;
  let certificate: ProbeReport['certificate'];
  let controlFamily: string | undefined;
  let controlAddress: string | undefined;
  const done = (ok: boolean): ProbeReport => ({ target, ok, steps, certificate, data, diagnoses });
  const tlsOptions: tls.ConnectionOptions = {
    rejectUnauthorized: false,
    servername: net.isIP(o.host) ? undefined : o.host,
    maxVersion: o.tlsMaxVersion,
  };

  // 1. The name, then the control port, plain TCP: each failure has its own cause and fix.
  let t = performance.now();
  const resolved = await lookup(o.host, o.timeoutMs);
  if (!resolved.ok) {
    steps.push({ step: `resolve ${o.host}`, ok: false, ms: since(t), detail: resolved.detail });
    diagnoses.push(
      Diagnose.probeDnsFailure(
        `${o.host} does not resolve: ${resolved.detail}.`,
        'Check the name (a typo, a private name probed from outside), or probe the address itself.',
      ),
    );
    return done(false);
  }
  t = performance.now();
  const reachable = await tcpConnect(o.host, o.port, o.timeoutMs);
  steps.push({ step: `control port ${o.port} reachable`, ok: reachable.ok, ms: since(t), detail: reachable.detail });
  if (!reachable.ok) {
    diagnoses.push(
      reachable.refused
        ? Diagnose.probeControlRefused(
            `TCP ${o.port} on ${o.host} refused the connection: nothing listens there (the server is down or on another port), or a firewall rejects it.`,
            `Start the server, or probe the port it listens on (--port); if a firewall rejects, open TCP ${o.port} inbound from this client.`,
          )
        : Diagnose.probeControlUnreachable(
            `TCP ${o.port} on ${o.host}: ${reachable.detail}: no answer at all, as when a firewall drops the packets.`,
            `Open TCP ${o.port} inbound from this client in every firewall on the path (security group, NACL, NSG), and check the server listens.`,
          ),
    );
    return done(false);
  }

  // 2. The greeting, then: plain FTP refused? Only USER is sent in the clear, never the password.
  if (o.tls === 'explicit') {
    t = performance.now();
    const plain = await plainLoginOffered(o);
    if (plain.state === 'capped') {
      steps.push({ step: 'FTP greeting', ok: false, ms: since(t), detail: plain.detail });
      diagnoses.push(refusedByCap(plain.detail));
      return done(false);
    }
    if (plain.state === 'noGreeting' || plain.state === 'notFtp') {
      steps.push({ step: 'FTP greeting', ok: false, ms: since(t), detail: plain.detail });
      diagnoses.push(
        plain.state === 'noGreeting'
          ? Diagnose.probeNoGreeting(
              `TCP ${o.port} accepts, but no FTP greeting came within ${o.timeoutMs} ms: an implicit-TLS port (it waits for a TLS handshake) probed as explicit, or not an FTP server.`,
              `Probe it with --tls implicit; explicit FTPS servers greet at once ("220 ...").`,
            )
          : Diagnose.probeNotFtp(
              `TCP ${o.port} answers with ${plain.detail}, not an FTP greeting ("220 ...").`,
              "Probe the FTP server's port (--port), or check what listens on this one.",
            ),
      );
      return done(false);
    }
    steps.push({ step: 'plain FTP refused', ok: plain.state !== 'offered', ms: since(t), detail: plain.detail });
    if (plain.state === 'offered') {
      diagnoses.push(
        Diagnose.probePlainFtpAccepted(
          `The server asked for a password without TLS (${plain.detail}): passwords can travel in clear.`,
          'Require TLS for logins and data: vsftpd force_local_logins_ssl=YES and force_local_data_ssl=YES; ProFTPD TLSRequired on; Pure-FTPd -Y 2.',
        ),
      );
    }
  }

  // 3. TLS, login, PBSZ/PROT.
  const client = new Client(o.timeoutMs);
  try {
    t = performance.now();
    try {
      await connectAdmitted(client, o, tlsOptions);
      if (o.tls === 'explicit') await client.useTLS(tlsOptions);
      steps.push({
        step: o.tls === 'implicit' ? 'TLS handshake (implicit)' : 'TLS upgrade (AUTH TLS)',
        ok: true,
        ms: since(t),
        detail: (client.ftp.socket as tls.TLSSocket).getProtocol?.() ?? 'TLS',
      });
    } catch (e) {
      steps.push({ step: 'TLS', ok: false, ms: since(t), detail: message(e) });
      if (e instanceof FTPError && e.code === 421) {
        diagnoses.push(refusedByCap(message(e)));
        return done(false);
      }
      if (o.tls === 'explicit' && e instanceof FTPError && [500, 502, 504].includes(e.code)) {
        // The field failure of a ProFTPD whose TLS block sits in <IfModule mod_tls.c> while the module is not loaded.
        diagnoses.push(
          Diagnose.probeTlsNotOffered(
            `The server does not know AUTH TLS (${oneLine(e.message)}): it has no TLS at all, and serves plain FTP to whoever asks.`,
            'Load TLS and require it: ProFTPD LoadModule mod_tls.c (Debian and Ubuntu: install proftpd-mod-crypto) with TLSEngine on and TLSRequired on outside any <IfModule> (renderProftpdConf does this); vsftpd ssl_enable=YES; Pure-FTPd -Y 2 or 3.',
          ),
        );
        return done(false);
      }
      diagnoses.push(
        Diagnose.probeTlsBroken(
          `The control port answers but TLS fails: ${message(e)}.`,
          o.tls === 'explicit'
            ? 'An FTP-aware firewall or NAT (ALG, "FTP inspection") may be rewriting AUTH TLS: turn FTP inspection off for this port; or the server has no TLS (vsftpd ssl_enable=YES).'
            : /wrong version number|bad record type|packet length too long|unknown protocol/i.test(message(e))
              ? 'The server answered in clear text, not TLS: this port speaks explicit FTPS (AUTH TLS); probe it with --tls explicit.'
              : 'Check the server speaks implicit TLS on this port (vsftpd implicit_ssl=YES), or use --tls explicit.',
        ),
      );
      return done(false);
    }
    const cert = (client.ftp.socket as tls.TLSSocket).getPeerCertificate();
    if (cert && cert.subject) {
      const matchesHost = tls.checkServerIdentity(o.host, cert) === undefined;
      const cn = (name: tls.Certificate | undefined) => [name?.CN ?? JSON.stringify(name)].flat().join(', ');
      const subject = cn(cert.subject);
      certificate = { subject, issuer: cn(cert.issuer), validTo: cert.valid_to, matchesHost };
      if (!matchesHost) {
        diagnoses.push(
          Diagnose.probeCertificateMismatch(
            `The certificate (CN ${subject}) does not name ${o.host}.`,
            'Install a certificate for the name clients use, or connect by that name.',
          ),
        );
      }
      if (new Date(cert.valid_to).getTime() < Date.now()) {
        diagnoses.push(
          Diagnose.probeCertificateExpired(`The certificate expired on ${cert.valid_to}.`, 'Renew the certificate.'),
        );
      }
    }

    t = performance.now();
    try {
      const res = await client.login(o.user, o.password);
      steps.push({ step: 'login', ok: true, ms: since(t), detail: oneLine(res.message) });
    } catch (e) {
      steps.push({ step: 'login', ok: false, ms: since(t), detail: message(e) });
      const timedOut = !(e instanceof FTPError) && /timeout/i.test(message(e));
      if (e instanceof FTPError && e.code === 530 && CAP_REFUSAL.test(message(e))) {
        diagnoses.push(refusedByCap(message(e)));
        return done(false);
      }
      diagnoses.push(
        timedOut
          ? Diagnose.probeLoginTimeout(
              `Login as ${o.user} got no answer within ${o.timeoutMs} ms (${message(e)}): not a refusal; the server is slow to authenticate (PAM, a directory service, DNS lookups of the client).`,
              'Probe again with a longer --timeout; on the server, look at what the login waits for (vsftpd reverse_lookup_enable=NO).',
            )
          : Diagnose.probeLoginFailed(
              `Login as ${o.user} failed: ${message(e)}.`,
              'Check the user and password (--user, --password or FTPS_PASSWORD).',
            ),
      );
      return done(false);
    }
    t = performance.now();
    const pbsz = await client.send('PBSZ 0');
    const prot = await client.send('PROT P');
    await client.send('TYPE I');
    steps.push({ step: 'PBSZ 0 / PROT P', ok: true, ms: since(t), detail: `${pbsz.code} / ${prot.code}` });

    // 4. Data connections: EPSV and PASV, each attempts times, with TLS session reuse as clients do.
    controlFamily = (client.ftp.socket as net.Socket).remoteFamily;
    controlAddress = (client.ftp.socket as net.Socket).remoteAddress;
    const session = (client.ftp.socket as tls.TLSSocket).getSession();
    for (let i = 0; i < o.attempts; i++) {
      for (const command of ['EPSV', 'PASV'] as const)
        data.push(await dataAttempt(client, o, command, tlsOptions, session));
    }
    // Every data connection failed in TLS while the control connection speaks TLS 1.3: does TLS 1.2 work?
    const controlProtocol = (client.ftp.socket as tls.TLSSocket).getProtocol?.();
    if (controlProtocol === 'TLSv1.3' && data.length > 0 && data.every((d) => !d.opened && tlsFailure(d))) {
      t = performance.now();
      const capped = await dataOverTls12(o, tlsOptions);
      steps.push({ step: 'data over TLS 1.2', ok: capped.opened, ms: since(t), detail: capped.detail });
      if (capped.opened) {
        diagnoses.push(
          Diagnose.probeTls13DataFailure(
            `Every data connection failed under TLS 1.3 (${data[0].detail}), and one over a TLS 1.2 session worked: the server's TLS 1.3 session resumption fails for this client (vsftpd 3.0.3 does this to Go clients such as rclone: "binder does not verify").`,
            'Cap the clients at TLS 1.2 (curl --tls-max 1.2, rclone disable_tls13, lftp ssl:priority NORMAL:-VERS-TLS1.3), or run ProFTPD or Pure-FTPd, whose TLS 1.3 resumption works.',
          ),
        );
      }
    }
    // One more without session reuse: does the server demand it (vsftpd require_ssl_reuse)?
    const noReuse = await dataAttempt(client, o, 'EPSV', tlsOptions, undefined);
    if (!noReuse.opened && /\b(522|425)\b/.test(noReuse.detail) && data.some((d) => d.opened)) {
      diagnoses.push(
        Diagnose.probeTlsReuseRequired(
          `Data connections that do not resume the control channel's TLS session are refused (${noReuse.detail}); this probe resumes, so it got through.`,
          'Use clients that resume TLS sessions (curl, lftp, FileZilla, WinSCP do), or relax it on the server: vsftpd require_ssl_reuse=NO, ProFTPD TLSOptions NoSessionReuseRequired.',
        ),
      );
    }
  } finally {
    client.close();
  }

  diagnoseData(o, data, diagnoses, controlFamily, controlAddress);
  const ok = data.length > 0 && data.every((d) => d.opened) && !diagnoses.some((d) => d.level === 'error');
  return done(ok);
}

/** The server's session cap refused the probe for {@link ADMISSION_MS}: it is full, or lower than expected. */
function refusedByCap(detail: string): ProbeDiagnosis {
  return Diagnose.probeSessionsRefused(
    `The server refused the probe's session (${oneLine(detail)}) for ${ADMISSION_MS / 1000} s: its session cap is reached — other clients are connected, or the cap is low for the passive range.`,
    'Probe again when fewer clients are connected. The cap follows the passive range (vsftpd max_clients about 0.28 x ports + 1, ProFTPD MaxClients = ports, Pure-FTPd half the range): widen the range for more sessions at once; see ftps-rules worksheet.',
  );
}

/**
 * A data attempt that reached the port and then failed (in its TLS handshake or transfer): not a timeout (a
 * firewall), a refused connection, or the server's own refusal (425/522 reuse, 550).
 */
function tlsFailure(d: DataAttempt): boolean {
  return d.port > 0 && !/timed out|timeout|ECONNREFUSED|EHOSTUNREACH|\b(425|522|550)\b/i.test(d.detail);
}

/** One EPSV data connection over a fresh control session capped at TLS 1.2, resuming its session. */
async function dataOverTls12(o: ProbeOptions, tlsOptions: tls.ConnectionOptions): Promise<DataAttempt> {
  const capped: tls.ConnectionOptions = { ...tlsOptions, maxVersion: 'TLSv1.2' };
  const client = new Client(o.timeoutMs);
  try {
    await connectAdmitted(client, o, capped);
    if (o.tls === 'explicit') await client.useTLS(capped);
    await client.login(o.user, o.password);
    await client.send('PBSZ 0');
    await client.send('PROT P');
    await client.send('TYPE I');
    return await dataAttempt(client, o, 'EPSV', capped, (client.ftp.socket as tls.TLSSocket).getSession());
  } catch (e) {
    return { command: 'EPSV', reply: '', address: '', port: 0, tried: '', opened: false, ms: 0, detail: message(e) };
  } finally {
    client.close();
  }
}

function diagnoseData(
  o: ProbeOptions,
  data: DataAttempt[],
  diagnoses: ProbeDiagnosis[],
  controlFamily: string | undefined,
  controlAddress: string | undefined,
): void {
  // Over IPv6 clients use EPSV, whose reply carries no address; vsftpd answers PASV there with 0,0,0,0. The
  // PASV address is a finding only on an IPv4 control connection.
  const pasv = controlFamily === 'IPv6' ? [] : data.filter((d) => d.command === 'PASV' && d.address);
  // Compared with the address the control connection reached, not the name given (a name is not a NAT trap).
  const connected = controlAddress ?? o.host;
  const wrong = pasv.find((d) => d.address !== connected);
  if (wrong) {
    const kind = ipaddr.isValid(wrong.address) ? ipaddr.parse(wrong.address).range() : 'unknown';
    diagnoses.push(
      Diagnose.probePasvAddress(
        `PASV advertises ${wrong.address}${kind !== 'unicast' ? ` (${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} address)` : ''}, not ${connected} that this client connected to${connected !== o.host ? ` (${o.host})` : ''}: the NAT trap — clients that follow the PASV address time out after login.`,
        `Advertise the public address: vsftpd pasv_address=${net.isIPv4(connected) ? connected : '<public IPv4>'} (with listen=YES), ProFTPD MasqueradeAddress, AWS Transfer Family PassiveIp.`,
      ),
    );
  }
  if (o.passive) {
    const outside = [...new Set(data.filter((d) => d.port && !rangeContains(o.passive!, d.port)).map((d) => d.port))];
    if (outside.length > 0) {
      diagnoses.push(
        Diagnose.probePortOutsideRange(
          `The server offered data port${outside.length > 1 ? 's' : ''} ${outside.join(', ')}, outside the declared passive range ${formatPorts(o.passive)}: server and firewall disagree.`,
          `Configure the same range on the server (vsftpd pasv_min_port=${o.passive.from} pasv_max_port=${o.passive.to}) and in the firewall.`,
        ),
      );
    }
  }
  const closed = [...new Set(data.filter((d) => !d.opened && /timed out/.test(d.detail)).map((d) => d.port))].sort(
    (a, b) => a - b,
  );
  if (closed.length > 0) {
    diagnoses.push(
      Diagnose.probeDataPortClosed(
        `Data connection${closed.length > 1 ? 's' : ''} to TCP ${closed.join(', ')} timed out: ${closed.length > 1 ? 'these ports are' : 'this port is'} closed in a firewall on the path.`,
        `Open TCP ${closed.join(', ')} inbound from the clients${o.passive ? ` (with the whole passive range ${formatPorts(o.passive)})` : ''} in every firewall on the path.`,
      ),
    );
  }
}

async function dataAttempt(
  client: Client,
  o: ProbeOptions,
  command: 'EPSV' | 'PASV',
  tlsOptions: tls.ConnectionOptions,
  session: Buffer | undefined,
): Promise<DataAttempt> {
  const t = performance.now();
  let reply = '';
  let address = o.host;
  let port = 0;
  try {
    const res = await client.send(command);
    reply = oneLine(res.message);
    if (command === 'EPSV') port = parseEpsvResponse(res.message);
    else ({ host: address, port } = parsePasvResponse(res.message));
  } catch (e) {
    return {
      command,
      reply: message(e),
      address: '',
      port: 0,
      tried: '',
      opened: false,
      ms: since(t),
      detail: `${command} refused: ${message(e)}`,
    };
  }
  // Like most clients, connect to the control address; a differing PASV address is diagnosed separately.
  const tried = `${net.isIPv6(o.host) ? `[${o.host}]` : o.host}:${port}`;
  const socket = await tcpConnect(o.host, port, o.timeoutMs, true);
  if (!socket.ok || !socket.socket)
    return { command, reply, address, port, tried, opened: false, ms: since(t), detail: socket.detail };
  const raw = socket.socket;
  try {
    const listing = await listOver(client, raw, o, tlsOptions, session);
    return { command, reply, address, port, tried, opened: true, ms: since(t), detail: listing };
  } catch (e) {
    raw.destroy();
    return { command, reply, address, port, tried, opened: false, ms: since(t), detail: message(e) };
  }
}

/** LIST over an open data socket, TLS-protected (PROT P), resuming the control session if given. */
export function listOver(
  client: Client,
  raw: net.Socket,
  o: Pick<ProbeOptions, 'timeoutMs'>,
  tlsOptions: tls.ConnectionOptions,
  session: Buffer | undefined,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const secure = tls.connect({ ...tlsOptions, socket: raw, session });
    let bytes = 0;
    let tlsError: Error | undefined;
    secure.on('data', (chunk: Buffer) => (bytes += chunk.length));
    secure.on('error', (e) => (tlsError = e));
    const timer = setTimeout(() => {
      secure.destroy();
      reject(new Error(`LIST timed out after ${o.timeoutMs} ms`));
    }, o.timeoutMs + 1000);
    client.ftp
      .request('LIST')
      .then(async (res) => {
        // 150 now; 226 (or an error) when the transfer ends.
        const final =
          res.code < 200
            ? await client.ftp.handle(undefined, (r, task) =>
                r instanceof Error ? task.reject(r) : r.code >= 200 ? task.resolve(r) : undefined,
              )
            : res;
        clearTimeout(timer);
        secure.destroy();
        if (final.code >= 400)
          reject(
            new Error(
              oneLine(final.message).startsWith(String(final.code))
                ? oneLine(final.message)
                : `${final.code} ${oneLine(final.message)}`,
            ),
          );
        else resolve(`${final.code}, ${bytes} bytes listed${tlsError ? ` (TLS: ${tlsError.message})` : ''}`);
      })
      .catch((e: unknown) => {
        clearTimeout(timer);
        secure.destroy();
        reject(
          new Error(
            e instanceof FTPError && !oneLine(e.message).startsWith(String(e.code))
              ? `${e.code} ${oneLine(e.message)}`
              : message(e),
          ),
        );
      });
  });
}

/** What the control port says before TLS: a greeting, then whether it asks for a password in clear text. */
async function plainLoginOffered(
  o: ProbeOptions,
): Promise<{ state: 'offered' | 'refused' | 'noGreeting' | 'notFtp' | 'capped'; detail: string }> {
  const deadline = performance.now() + ADMISSION_MS;
  let greeting = await firstLine(o.host, o.port, o.timeoutMs);
  while (greeting !== undefined && /^421[ -]/.test(greeting) && performance.now() < deadline) {
    await sleep(200);
    greeting = await firstLine(o.host, o.port, o.timeoutMs);
  }
  if (greeting === undefined) return { state: 'noGreeting', detail: `no greeting within ${o.timeoutMs} ms` };
  if (/^421[ -]/.test(greeting)) return { state: 'capped', detail: greeting.slice(0, 120) };
  if (!/^220[ -]/.test(greeting)) return { state: 'notFtp', detail: JSON.stringify(greeting.slice(0, 60)) };
  const client = new Client(o.timeoutMs);
  try {
    await connectAdmitted(client, { ...o, tls: 'explicit' }, {});
    const res = await client.sendIgnoringError(`USER ${o.user}`);
    return { state: res.code === 331 ? 'offered' : 'refused', detail: `USER without TLS: ${oneLine(res.message)}` };
  } catch (e) {
    return { state: 'refused', detail: message(e) };
  } finally {
    client.close();
  }
}

/** The first line a TCP server sends, or undefined if none comes in time; the socket is always destroyed. */
function firstLine(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let text = '';
    const finish = (line: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(line);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\n');
      if (end >= 0 || text.length > 512) finish(text.slice(0, end >= 0 ? end : 512).replace(/\r$/, ''));
    });
    socket.once('error', () => finish(text === '' ? undefined : text));
    socket.once('end', () => finish(text === '' ? undefined : text));
  });
}

/** The host's address, looked up with a bound wait (a name that cannot resolve fails here, not as a timeout). */
function lookup(host: string, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
  if (net.isIP(host)) return Promise.resolve({ ok: true, detail: host });
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => resolve({ ok: false, detail: `no answer from DNS within ${timeoutMs} ms` }),
      timeoutMs,
    );
    dns.lookup(host, (e, address) => {
      clearTimeout(timer);
      resolve(e ? { ok: false, detail: `${e.code ?? 'lookup failed'}` } : { ok: true, detail: address });
    });
  });
}

export function tcpConnect(
  host: string,
  port: number,
  timeoutMs: number,
  keep = false,
): Promise<{ ok: boolean; detail: string; refused?: boolean; socket?: net.Socket }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, detail: `TCP ${port} timed out after ${timeoutMs} ms` });
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      // Destroyed, not ended: an end waits for the server's FIN, and a server that never closes kept the
      // probe's process alive long after its report.
      if (!keep) socket.destroy();
      resolve({ ok: true, detail: `connected to ${host}:${port}`, socket: keep ? socket : undefined });
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok: false, detail: `TCP ${port}: ${e.message}`, refused: e.code === 'ECONNREFUSED' });
    });
  });
}

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();
const message = (e: unknown) => oneLine(e instanceof Error ? e.message : String(e));

/** Markdown or JSON; the password never appears (it is not in the report). */
export function renderProbe(r: ProbeReport, format: 'md' | 'json'): string {
  if (format === 'json') return JSON.stringify(r, null, 2) + '\n';
  const lines = [
    `# FTPS probe: ${r.target} — ${r.ok ? 'works end to end' : 'FAILS'}`,
    '',
    '| step | result | time | detail |',
    '|---|---|---|---|',
  ];
  for (const s of r.steps)
    lines.push(`| ${s.step} | ${s.ok ? 'ok' : 'FAIL'} | ${s.ms} ms | ${s.detail.replace(/\|/g, '\\|')} |`);
  if (r.certificate) {
    lines.push(
      '',
      `Certificate: subject ${r.certificate.subject}, issuer ${r.certificate.issuer}, valid to ${r.certificate.validTo}, ${r.certificate.matchesHost ? 'matches the host' : 'does NOT match the host'}.`,
    );
  }
  if (r.data.length) {
    lines.push('', '| data | reply | offered | tried | opened | time | detail |', '|---|---|---|---|---|---|---|');
    for (const d of r.data)
      lines.push(
        `| ${d.command} | ${d.reply.replace(/\|/g, '\\|')} | ${d.command === 'EPSV' ? `port ${d.port}` : `${d.address}:${d.port}`} | ${d.tried} | ${d.opened ? 'yes' : 'NO'} | ${d.ms} ms | ${d.detail.replace(/\|/g, '\\|')} |`,
      );
  }
  lines.push('', r.diagnoses.length ? '## Diagnosis' : 'No problem found.');
  for (const d of r.diagnoses) lines.push(`- **${d.level}** \`${d.id}\`: ${d.message}`);
  return lines.join('\n') + '\n';
}
