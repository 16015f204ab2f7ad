// Concurrent load through the passive range: load_client.py (python3 ftplib, one thread per client) run in a
// client namespace against a daemon in the server namespace, every attempt classified by its failure mode.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { PASSWORD, USER } from './ftp';
import { Host } from './topology';

export interface LoadRun {
  readonly client: Host;
  readonly server: string;
  readonly port?: number;
  readonly passive: { from: number; to: number };
  /** A file in the FTP user's home. */
  readonly file: string;
  readonly clients: number;
  readonly transfers: number;
  /** Retry a failed transfer in a new session for this long (0: no retry). */
  readonly retrySeconds?: number;
  readonly session?: 'per-transfer' | 'per-client';
  readonly timeoutSeconds?: number;
  /** Seconds the client waits between connecting the data port and sending RETR, as curl does (0.2 s idle). */
  readonly holdSeconds?: number;
  /** The whole run stops after this many seconds (the clients' own deadline; the process is killed 60 s later). */
  readonly deadlineSeconds?: number;
}

export interface LoadResult {
  readonly clients: number;
  readonly transfersEach: number;
  readonly expected: number;
  readonly finished: number;
  readonly delivered: number;
  readonly attempts: number;
  /** refused (at connect or login), oops (vsftpd bind failure), closed, outside (a port outside the range), timeout, error. */
  readonly failuresByKind: Record<string, number>;
  /** Distinct ports offered outside the range. */
  readonly portsOutside: number;
  /** Delivered transfers by the data port they used (behind a balancer, the port says which backend served). */
  readonly portsDelivered: Record<string, number>;
  /** Each failure kind by the step it happened at (connect, login, EPSV, data connect, RETR, data TLS, 226). */
  readonly failuresByStep: Record<string, Record<string, number>>;
  /** The first few messages of each failure kind. */
  readonly samples: Record<string, string[]>;
  readonly seconds: number;
  /** Seconds from the EPSV reply to the 150 reply to RETR (the passive port's hold), over delivered transfers. */
  readonly holdMedian: number | null;
  readonly holdMean: number | null;
  /** Mean seconds a client spent per transfer, retries included. */
  readonly busySecondsPerTransfer: number;
  /** Mean seconds from the 150 reply to the 226 reply. */
  readonly transferMean: number | null;
}

const DRIVER = path.join(__dirname, 'load_client.py');

/** Runs the load; resolves with the driver's report (or rejects with its error output). Bounded in time. */
export function runLoad(r: LoadRun): Promise<LoadResult> {
  const deadline = r.deadlineSeconds ?? 180;
  const args = [
    'netns',
    'exec',
    r.client.ns,
    'python3',
    DRIVER,
    '--host',
    r.server,
    '--port',
    String(r.port ?? 21),
    '--user',
    USER,
    '--password',
    PASSWORD,
    '--file',
    r.file,
    '--clients',
    String(r.clients),
    '--transfers',
    String(r.transfers),
    '--passive',
    `${r.passive.from}-${r.passive.to}`,
    '--timeout',
    String(r.timeoutSeconds ?? 5),
    '--retry-seconds',
    String(r.retrySeconds ?? 0),
    '--session',
    r.session ?? 'per-transfer',
    '--hold',
    String(r.holdSeconds ?? 0),
    '--deadline',
    String(deadline),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), (deadline + 60) * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out) as LoadResult);
      } catch {
        reject(new Error(`load driver exit ${code}: ${err.trim().slice(-800)}`));
      }
    });
  });
}
