import { spawnSync } from 'node:child_process';

const COMMANDS = ['ip', 'nft', 'vsftpd', 'curl', 'lftp', 'openssl', 'ss', 'useradd', 'chpasswd', 'python3', 'rclone'];

/** What the end-to-end suite needs and this machine lacks: root, and the real software. */
export function missingPrerequisites(): string[] {
  const missing: string[] = [];
  if (process.platform !== 'linux') missing.push('Linux');
  if (process.getuid?.() !== 0) missing.push('root');
  for (const cmd of COMMANDS) {
    if (spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status !== 0) missing.push(cmd);
  }
  return missing;
}

/**
 * Locally, a machine without the prerequisites skips the suite with one clear line; in CI (CI=true) a
 * missing prerequisite is a failure, never a silent skip.
 */
export function e2eGate(): { run: boolean; missing: string[] } {
  const missing = missingPrerequisites();
  if (missing.length === 0) return { run: true, missing };
  if (process.env.CI === 'true') return { run: true, missing }; // beforeAll fails, naming what is missing
  process.stderr.write(
    `e2e skipped: needs ${missing.join(', ')} (run as root with vsftpd, lftp, curl, nftables and iproute2 installed)\n`,
  );
  return { run: false, missing };
}
