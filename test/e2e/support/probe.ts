// Runs the built `ftps-rules probe` as users run it: the command from dist/, inside a client namespace, the
// password from the environment (never on the command line).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { PASSWORD } from './ftp';
import { Host } from './topology';

const BIN = path.resolve(__dirname, '../../../dist/bin/ftps-rules.js');

export interface ProbeRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `ftps-rules probe <args>` in the client's namespace; bounded by `timeoutMs`. */
export function probeFrom(client: Host, args: readonly string[], timeoutMs = 90_000): ProbeRun {
  const r = spawnSync('ip', ['netns', 'exec', client.ns, process.execPath, BIN, 'probe', ...args], {
    encoding: 'utf8',
    env: { ...process.env, FTPS_PASSWORD: PASSWORD },
    timeout: timeoutMs,
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
