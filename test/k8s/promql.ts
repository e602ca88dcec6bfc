// PromQL of the Grafana dashboards: Grafana's variables substituted, the metric names an expression reads, and the real `promtool` parsing them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));

/**
 * The expression as Prometheus receives it from Grafana: interval variables become a duration,
 * every other variable (all in label matchers here) the "All" value `.*`.
 */
export function withGrafanaVariables(expr: string): string {
  return expr.replace(/\$__(rate_interval|interval|range)\b/g, '5m').replace(/\$\{?\w+\}?/g, '.*');
}

/** Operators and modifiers that look like names but are none. */
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'group_left',
  'group_right',
  'inf',
  'nan',
]);

/**
 * The metric names an expression selects: every name that is not a function call, once quoted
 * strings, label matchers, ranges and `by (…)`-like label lists are taken out.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w:.])[a-zA-Z_:][\w:]*(?![\w:])(?!\s*\()/g)) {
    if (!KEYWORDS.has(m[0].toLowerCase())) names.add(m[0]);
  }
  return [...names].sort();
}

/** The label names an expression groups by, matches on or selects with a label matcher. */
export function labelNames(expr: string): string[] {
  const unquoted = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const names = new Set<string>();
  for (const m of unquoted.matchAll(
    /\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g,
  ))
    for (const n of m[1].split(',')) if (n.trim()) names.add(n.trim());
  for (const m of unquoted.matchAll(/\{([^}]*)\}/g))
    for (const matcher of m[1].matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)) names.add(matcher[1]);
  return [...names].sort();
}

export interface PromtoolResult {
  readonly code: number;
  readonly output: string;
}

/**
 * `promtool check rules` on one recording rule per expression, named by its key: promtool parses
 * each with Prometheus's own parser and names the rule of any that fails.
 */
export function promtoolParse(expressions: ReadonlyMap<string, string>): PromtoolResult {
  if (!PROMTOOL) throw new Error('promtool not found (apt-get install prometheus)');
  const dir = mkdtempSync(join(tmpdir(), 'weft-promql-'));
  try {
    const rules = [...expressions].map(([record, expr]) => ({ record, expr }));
    const file = join(dir, 'rules.yaml');
    // JSON is YAML: no quoting of PromQL to get wrong.
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'weft-dashboards', rules }] }));
    const res = spawnSync(PROMTOOL, ['check', 'rules', file], { encoding: 'utf8' });
    return { code: res.status ?? 1, output: `${res.stdout}${res.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
