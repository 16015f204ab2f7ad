import { spawnSync } from 'node:child_process';

// Test-only: reads an azurerm `custom_data` value as the VM would receive it, without importing lib/. Either
// plain base64, or base64encode(join("", [base64decode("<part>"), <expression>, ...])) where each expression
// (a public IP, a variable) is replaced by what `resolve` says it is at apply time.
export function customDataText(value: string, resolve: (expression: string) => string): string {
  if (!value.startsWith('${')) return Buffer.from(value, 'base64').toString('utf8');
  const m = /^\$\{base64encode\(join\("", \[(.*)\]\)\)\}$/s.exec(value);
  if (!m) throw new Error(`customDataText: unexpected custom_data ${value.slice(0, 80)}`);
  const parts: string[] = [];
  for (const item of m[1].matchAll(/base64decode\("([A-Za-z0-9+/=]*)"\)|([^,\s][^,]*)/g)) {
    parts.push(item[1] !== undefined ? Buffer.from(item[1], 'base64').toString('utf8') : resolve(item[2].trim()));
  }
  return parts.join('');
}

/** The vsftpd.conf between the boot script's heredoc markers. */
export function bootScriptConf(script: string): string {
  const m = /<<'FTPS_CONSTRUCTS_VSFTPD_CONF'\n([\s\S]*?)\nFTPS_CONSTRUCTS_VSFTPD_CONF\n/.exec(script);
  if (!m) throw new Error('no vsftpd.conf heredoc in the boot script');
  return m[1] + '\n';
}

/** key=value lines of a vsftpd.conf, comments dropped. */
export function confEntries(conf: string): Record<string, string> {
  return Object.fromEntries(
    conf
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => {
        const i = l.indexOf('=');
        return [l.slice(0, i), l.slice(i + 1)];
      }),
  );
}

/** Syntax errors of a bash script and of the Python programs it passes with `python3 -c '...'` (empty if none). */
export function scriptSyntaxErrors(script: string): string[] {
  const errors: string[] = [];
  const bash = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
  if (bash.status !== 0) errors.push(`bash: ${bash.stderr}`);
  for (const m of script.matchAll(/python3 -c '([^']*)'/g)) {
    const py = spawnSync('python3', ['-c', 'import sys; compile(sys.stdin.read(), "inline", "exec")'], {
      input: m[1],
      encoding: 'utf8',
    });
    if (py.status !== 0) errors.push(`python: ${py.stderr}`);
  }
  return errors;
}
