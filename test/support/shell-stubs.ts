import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Runs one command line of a boot script with bash, with stand-ins for `names` first on PATH: each records its
 * arguments (one per line, then a blank line) in `calls` and exits 0. Runs in a fresh directory, so a file an
 * injected command would create (`touch X`) shows up in `created`. Never touches the network or the machine.
 */
export function runWithStubs(
  line: string,
  names: readonly string[],
): { status: number | null; calls: string[][]; created: string[]; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftps-stubs-'));
  const bin = path.join(dir, 'bin');
  const work = path.join(dir, 'work');
  fs.mkdirSync(bin);
  fs.mkdirSync(work);
  const log = path.join(dir, 'calls');
  for (const name of names) {
    fs.writeFileSync(
      path.join(bin, name),
      `#!/bin/bash\n{ printf '%s\\n' "${name}" "$@"; printf '\\n'; } >> '${log}'\n`,
      { mode: 0o755 },
    );
  }
  try {
    const r = spawnSync('bash', ['-c', line], {
      cwd: work,
      env: { PATH: `${bin}:/usr/bin:/bin` },
      encoding: 'utf8',
      timeout: 10_000,
    });
    const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
    const calls = text
      .split('\n\n')
      .filter((c) => c !== '')
      .map((c) => c.split('\n'));
    return { status: r.status, calls, created: fs.readdirSync(work), stderr: r.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
