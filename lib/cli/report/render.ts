import { Flag, Opening, WIDE_PORT_RANGE, openingKey, portsText } from './openings';

export type ReportFormat = 'md' | 'json' | 'csv';

const COLUMNS: Array<[string, (o: Opening) => string]> = [
  ['Resource', (o) => o.resource],
  ['Firewall', (o) => o.firewall],
  ['Direction', (o) => o.direction],
  ['Protocol', (o) => o.protocol.toUpperCase()],
  ['Ports', (o) => portsText(o)],
  ['Peer', (o) => o.peer],
  ['Action', (o) => (o.action === 'none' ? 'none (allows nothing)' : o.action)],
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
  if (format === 'json') {
    const counts = countRules(openings);
    return (
      JSON.stringify({ openings, rules: counts.rules, ...(diagram ? { diagram: mermaid(openings) } : {}) }, null, 2) +
      '\n'
    );
  }
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
    const { rules, world, wide } = countRules(openings);
    lines.push(
      `${rules} rule${rules === 1 ? '' : 's'} (${openings.length} row${openings.length === 1 ? '' : 's'}: an NSG rule with several prefixes or port ranges is one row each); ${world} open to the world; ${wide} inbound wider than ${WIDE_PORT_RANGE} ports.`,
    );
  }
  if (diagram) lines.push('', mermaid(openings));
  return lines.join('\n') + '\n';
}

/**
 * Rules as the cloud counts them: one per security group rule or NACL entry, one per NSG rule however many
 * prefixes and ports it carries (each is a row of the table); the "no egress" placeholder is not a rule.
 */
function countRules(openings: readonly Opening[]): { rules: number; world: number; wide: number } {
  const ruleOf = (o: Opening, i: number) => (o.firewall === 'NSG' ? o.key : `${o.key}|${i}`);
  const rules = new Set<string>();
  const world = new Set<string>();
  const wide = new Set<string>();
  openings.forEach((o, i) => {
    if (o.action === 'none') return;
    const rule = ruleOf(o, i);
    rules.add(rule);
    if (o.flags.includes('world')) world.add(rule);
    if (o.flags.includes('wide')) wide.add(rule);
  });
  return { rules: rules.size, world: world.size, wide: wide.size };
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
  const added: Opening[] = [];
  const removed = before.filter((o) => !afterKeys.has(openingKey(o)));
  const changed: Array<{ before: Opening; after: Opening }> = [];
  // A rule whose ports or protocol changed pairs with a removed one of the same resource, direction and peer:
  // looked up by that slot in a map, so the diff stays linear in the number of rules.
  const slot = (o: Opening) => [o.key, o.direction, o.peer].join('|');
  const removedBySlot = new Map<string, Opening[]>();
  for (const r of removed) {
    const list = removedBySlot.get(slot(r));
    if (list) list.push(r);
    else removedBySlot.set(slot(r), [r]);
  }
  const paired = new Set<Opening>();
  for (const a of after) {
    if (beforeKeys.has(openingKey(a))) continue;
    const b = removedBySlot.get(slot(a))?.shift();
    if (b) {
      changed.push({ before: b, after: a });
      paired.add(b);
    } else added.push(a);
  }
  return { added, removed: removed.filter((r) => !paired.has(r)), changed };
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
