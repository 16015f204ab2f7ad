import { Flag, Opening, WIDE_PORT_RANGE, openingKey, portsText } from './openings';

export type ReportFormat = 'md' | 'json' | 'csv';

const COLUMNS: Array<[string, (o: Opening) => string]> = [
  ['Resource', (o) => o.resource],
  ['Firewall', (o) => o.firewall],
  ['Direction', (o) => o.direction],
  ['Protocol', (o) => o.protocol.toUpperCase()],
  ['Ports', (o) => portsText(o)],
  ['Peer', (o) => o.peer],
  ['Action', (o) => o.action],
  ['Stateful', (o) => (o.stateful ? 'yes' : 'no (replies need rules)')],
  ['Order', (o) => (o.order === undefined ? '' : String(o.order))],
  ['Flags', (o) => flagText(o.flags)],
  ['Description', (o) => o.description ?? ''],
];

function flagText(flags: readonly Flag[]): string {
  return flags.map((f) => (f === 'world' ? '⚠ world-open' : `⚠ wide (>${WIDE_PORT_RANGE} ports)`)).join(', ');
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function renderReport(
  openings: readonly Opening[],
  format: ReportFormat,
  title: string,
  diagram = false,
): string {
  if (format === 'json') return JSON.stringify({ openings }, null, 2) + '\n';
  if (format === 'csv') {
    const q = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    return (
      [
        COLUMNS.map(([h]) => h.toLowerCase()).join(','),
        ...openings.map((o) => COLUMNS.map(([, f]) => q(f(o))).join(',')),
      ].join('\r\n') + '\r\n'
    );
  }
  const lines = [`# Firewall openings: ${title}`, ''];
  if (openings.length === 0) {
    lines.push('No security group, network ACL or NSG rule found.');
  } else {
    lines.push(table(openings), '');
    const world = openings.filter((o) => o.flags.includes('world')).length;
    const wide = openings.filter((o) => o.flags.includes('wide')).length;
    lines.push(
      `${openings.length} rule${openings.length === 1 ? '' : 's'}; ${world} open to the world; ${wide} inbound wider than ${WIDE_PORT_RANGE} ports.`,
    );
  }
  if (diagram) lines.push('', mermaid(openings));
  return lines.join('\n') + '\n';
}

function table(openings: readonly Opening[]): string {
  return [
    `| ${COLUMNS.map(([h]) => h).join(' | ')} |`,
    `|${COLUMNS.map(() => '---').join('|')}|`,
    ...openings.map((o) => `| ${COLUMNS.map(([, f]) => cell(f(o))).join(' | ')} |`),
  ].join('\n');
}

/** Mermaid flowchart: peers → firewall → protected hosts for inbound allows; the reverse for outbound. */
export function mermaid(openings: readonly Opening[]): string {
  const ids = new Map<string, string>();
  const id = (kind: string, name: string) => {
    const key = `${kind}:${name}`;
    if (!ids.has(key)) ids.set(key, `${kind[0]}${ids.size}`);
    return ids.get(key)!;
  };
  const quote = (s: string) => s.replace(/"/g, "'");
  const nodes = new Map<string, string>();
  const edges = new Map<string, { ports: Set<string>; purposes: Set<string> }>();
  const edge = (from: string, to: string) => {
    const key = `${from} ${to}`;
    if (!edges.has(key)) edges.set(key, { ports: new Set(), purposes: new Set() });
    return edges.get(key)!;
  };
  for (const o of openings.filter(
    (x) => x.action === 'allow' && !(x.firewall === 'network ACL' && x.direction === 'outbound'),
  )) {
    const fw = id('fw', o.group);
    const peer = id('peer', o.peer);
    const hosts = id('hosts', o.group);
    nodes.set(fw, `${fw}{{"${quote(`${o.firewall}: ${o.group}`)}"}}`);
    nodes.set(peer, `${peer}["${quote(o.peer)}"]`);
    nodes.set(hosts, `${hosts}[("protected by ${quote(o.group)}")]`);
    const e = o.direction === 'inbound' ? edge(peer, fw) : edge(fw, peer);
    e.ports.add(`${o.protocol.toUpperCase()} ${portsText(o)}`);
    for (const purpose of (o.description ?? '').split('; ').filter(Boolean)) e.purposes.add(purpose);
    if (o.direction === 'inbound') edge(fw, hosts);
    else edge(hosts, fw);
  }
  const lines = ['```mermaid', 'flowchart LR', ...[...nodes.values()].map((n) => `  ${n}`)];
  for (const [key, { ports, purposes }] of edges) {
    const [from, to] = key.split(' ');
    const label = [[...ports].join(', '), [...purposes].join('; ')].filter(Boolean).join(': ');
    lines.push(label ? `  ${from} -->|"${quote(label)}"| ${to}` : `  ${from} --> ${to}`);
  }
  lines.push('```');
  return lines.join('\n');
}

// ---- diff ----

export interface OpeningsDiff {
  readonly added: Opening[];
  readonly removed: Opening[];
  readonly changed: Array<{ before: Opening; after: Opening }>;
}

export function diffOpenings(before: readonly Opening[], after: readonly Opening[]): OpeningsDiff {
  const beforeKeys = new Set(before.map(openingKey));
  const afterKeys = new Set(after.map(openingKey));
  let added = after.filter((o) => !beforeKeys.has(openingKey(o)));
  let removed = before.filter((o) => !afterKeys.has(openingKey(o)));
  const changed: Array<{ before: Opening; after: Opening }> = [];
  const slot = (o: Opening) => [o.stack, o.resource, o.direction, o.peer].join('|');
  for (const a of [...added]) {
    const b = removed.find((r) => slot(r) === slot(a));
    if (b) {
      changed.push({ before: b, after: a });
      added = added.filter((x) => x !== a);
      removed = removed.filter((x) => x !== b);
    }
  }
  return { added, removed, changed };
}

export type FailOn = 'world' | 'wide' | 'added' | 'none';

/** The openings that break the policy: new or changed ones that are world-open, wide, or any at all. */
export function violations(diff: OpeningsDiff, policies: readonly FailOn[]): Opening[] {
  const fresh = [...diff.added, ...diff.changed.map((c) => c.after)].filter((o) => o.action === 'allow');
  return fresh.filter((o) => policies.some((p) => (p === 'added' ? true : p === 'none' ? false : o.flags.includes(p))));
}

export function renderDiff(diff: OpeningsDiff, before: string, after: string, bad: readonly Opening[]): string {
  const lines = [`# Firewall changes: ${before} → ${after}`, ''];
  if (!diff.added.length && !diff.removed.length && !diff.changed.length)
    return lines.concat('No opening added, removed or changed.', '').join('\n');
  if (bad.length) {
    lines.push(`**${bad.length} policy violation${bad.length === 1 ? '' : 's'}:**`, '');
    for (const o of bad)
      lines.push(
        `- ${o.resource}: ${o.direction} ${o.protocol.toUpperCase()} ${portsText(o)} ${o.direction === 'inbound' ? 'from' : 'to'} ${o.peer} (${o.flags.join(', ') || 'new'})`,
      );
    lines.push('');
  }
  if (diff.added.length) lines.push(`## Added (${diff.added.length})`, '', table(diff.added), '');
  if (diff.removed.length) lines.push(`## Removed (${diff.removed.length})`, '', table(diff.removed), '');
  if (diff.changed.length) {
    lines.push(
      `## Changed (${diff.changed.length})`,
      '',
      '| Resource | Direction | Peer | Before | After |',
      '|---|---|---|---|---|',
    );
    for (const { before: b, after: a } of diff.changed) {
      const show = (o: Opening) =>
        `${o.action} ${o.protocol.toUpperCase()} ${portsText(o)}${o.flags.length ? ` ${flagText(o.flags)}` : ''}`;
      lines.push(`| ${cell(a.resource)} | ${a.direction} | ${cell(a.peer)} | ${show(b)} | ${show(a)} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
