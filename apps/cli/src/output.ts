// What the CLI prints: kubectl-style tables, YAML and JSON documents, relative times.
import { stringify } from 'yaml';

export type OutputFormat = 'table' | 'wide' | 'yaml' | 'json';

/** Shown in a table cell that has no value. */
export const NONE = '—';

const COLUMN_GAP = '   ';

export function out(text = ''): void {
  process.stdout.write(`${text}\n`);
}

export function err(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** Left-aligned columns, header first; the last column is not padded (no trailing blanks). */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    headers
      .map((_, i) =>
        i === headers.length - 1 ? (cells[i] ?? '') : (cells[i] ?? '').padEnd(widths[i]),
      )
      .join(COLUMN_GAP)
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** One document per object, separated by `---`, so a listing can be applied again. */
export function toYaml(objects: readonly unknown[]): string {
  return objects.map((o) => stringify(o)).join('---\n');
}

/** A single object as is; several as a kubectl-style `List` (which `weft apply` accepts). */
export function toJson(objects: readonly unknown[], single: boolean): string {
  const value = single ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects };
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** `2s ago`, `5m ago`, `3h ago`, `2d ago`, from an ISO time. */
export function ago(iso: string, now = Date.now()): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return NONE;
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3_600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3_600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}

/** `k=v,k=v` sorted by key, or NONE. */
export function labelList(labels: Readonly<Record<string, string>> | undefined): string {
  const pairs = Object.entries(labels ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return pairs.length === 0 ? NONE : pairs.map(([k, v]) => `${k}=${v}`).join(',');
}

/** At most `max` items, then `+ N more...` as kubectl shows endpoints. */
export function shortList(items: readonly string[], max: number): string {
  if (items.length === 0) return NONE;
  if (items.length <= max) return items.join(',');
  return `${items.slice(0, max).join(',')} + ${items.length - max} more...`;
}
