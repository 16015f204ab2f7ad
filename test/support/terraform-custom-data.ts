import { spawnSync } from 'node:child_process';

// Test-only: reads an azurerm `custom_data` value as the VM would receive it, without importing lib/. Either
// plain base64, or base64encode(join("", [base64decode("<part>"), <expression>, ...])) where each expression
// (a public IP, a variable) is replaced by what `resolve` says it is at apply time.
export function customDataText(value: string, resolve: (expression: string) => string): string {
  if (!value.startsWith('${')) return Buffer.from(value, 'base64').toString('utf8');
  const m = /^\$\{base64encode\(join\("", \[(.*)\]\)\)\}$/s.exec(value);
  if (!m) throw new Error(`customDataText: unexpected custom_data ${value.slice(0, 80)}`);
  return topLevel(m[1])
    .map((item) => evaluate(item, resolve))
    .join('');
}

/**
 * The value of a Terraform expression as the VM sees it: the few functions the library uses are evaluated here
 * (base64decode of a literal, base64encode, the first line of a split), anything else (an attribute, a
 * variable) is what `resolve` says.
 */
function evaluate(expression: string, resolve: (expression: string) => string): string {
  const e = expression.trim();
  const literal = /^base64decode\("([A-Za-z0-9+/=]*)"\)$/.exec(e);
  if (literal) return Buffer.from(literal[1], 'base64').toString('utf8');
  const encode = /^base64encode\((.*)\)$/s.exec(e);
  if (encode) return Buffer.from(evaluate(encode[1], resolve), 'utf8').toString('base64');
  const firstLine = /^element\(split\("\\n", (.*)\), 0\)$/s.exec(e);
  if (firstLine) return evaluate(firstLine[1], resolve).split('\n')[0];
  const template = /^"(.*)"$/s.exec(e);
  if (template) {
    // A string template: literal text with ${expression} parts.
    return template[1]
      .split(/(\$\{[^}]*\})/)
      .map((part) => (part.startsWith('${') ? evaluate(part.slice(2, -1), resolve) : part.replace(/\\(.)/g, '$1')))
      .join('');
  }
  const join = /^join\("", \[(.*)\]\)$/s.exec(e);
  if (join)
    return topLevel(join[1])
      .map((item) => evaluate(item, resolve))
      .join('');
  return resolve(e);
}

/** Splits a comma-separated list at its top level (commas inside brackets or strings stay). */
function topLevel(list: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const ch = list[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    else if (ch === ',' && depth === 0) {
      items.push(list.slice(start, i));
      start = i + 1;
    }
  }
  if (list.slice(start).trim() !== '') items.push(list.slice(start));
  return items.map((i) => i.trim());
}

/** The vsftpd.conf between the boot script's heredoc markers. */
export function bootScriptConf(script: string): string {
  const m = /<<'FTPS_CONSTRUCTS_VSFTPD_CONF'\n([\s\S]*?)\nFTPS_CONSTRUCTS_VSFTPD_CONF\n/.exec(script);
  if (!m) throw new Error('no vsftpd.conf heredoc in the boot script');
  return m[1] + '\n';
}

/** The file a boot script writes between a heredoc marker (FTPS_CONSTRUCTS_PROFTPD_CONF, ...). */
export function bootScriptFile(script: string, marker: string): string {
  const m = new RegExp(`<<'${marker}'\\n([\\s\\S]*?)\\n${marker}\\n`).exec(script);
  if (!m) throw new Error(`no ${marker} heredoc in the boot script`);
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
