// docs/reference/nats-subjects.md against subjects.ts: every subject, bucket and key it names.
import * as subjects from '@app/protocol/subjects.js';
import { doc } from './doc-files.js';
import { MarkdownDocument, type TableRow } from './markdown-document.js';

const PAGE = 'docs/reference/nats-subjects.md';
const SOURCE = 'libs/protocol/src/subjects.ts';
/** The column naming the code that makes each subject, as in `Subjects.proxyAck` or `resourceKey`. */
const NAMED_BY = 'in code';
/**
 * Arguments that make a readable example where `<parameter>` would not: `configAnnouncement` takes
 * a KV key and announces it on a subject derived from that key.
 */
const EXAMPLE_ARGUMENTS: Readonly<Record<string, string>> = { key: 'dst.<namespace>.<service>' };

interface Name {
  /** How the page names it: `Subjects.health`, `memberKey`, `SNAPSHOT_KEY`. */
  readonly name: string;
  /** What it gives with the default prefix and `<parameter>` placeholders. */
  readonly value: string;
}

/** Parameter names of a function, from its source (types are stripped by then). */
function parametersOf(fn: (...args: string[]) => unknown): string[] {
  const list = /^[^(]*\(([^)]*)\)/.exec(fn.toString())?.[1] ?? '';
  return list
    .split(',')
    .map((p) => p.split('=')[0].trim())
    .filter(Boolean);
}

function call(fn: (...args: string[]) => unknown, self?: object): unknown {
  return fn.apply(
    self,
    parametersOf(fn).map((p) => EXAMPLE_ARGUMENTS[p] ?? `<${p}>`),
  );
}

/** Every subject, bucket or key `subjects.ts` names: Subjects members, `*Key` functions, constants. */
function namesInCode(): Name[] {
  const instance = new subjects.Subjects();
  const proto = subjects.Subjects.prototype as unknown as Record<string, unknown>;
  const members = Object.getOwnPropertyNames(proto)
    .filter((m) => m !== 'constructor')
    .map((m): Name => {
      const descriptor = Object.getOwnPropertyDescriptor(proto, m);
      const value: unknown = descriptor?.get
        ? Reflect.get(proto, m, instance) // a getter, read on the instance
        : call(descriptor?.value as (...args: string[]) => unknown, instance);
      return { name: `Subjects.${m}`, value: String(value) };
    });
  const exports = Object.entries(subjects as Record<string, unknown>).flatMap(
    ([name, v]): Name[] => {
      if (typeof v === 'function' && name !== 'Subjects') {
        const value = call(v as (...args: string[]) => unknown);
        return typeof value === 'string' ? [{ name, value }] : []; // predicates name nothing
      }
      // Prefixes and the default prefix are parts of the names above, not names of their own.
      if (typeof v === 'string' && !name.endsWith('_PREFIX')) return [{ name, value: v }];
      return [];
    },
  );
  return [...members, ...exports];
}

describe(PAGE, () => {
  const page = doc(PAGE);
  const tables = page.tables.filter((t) => t.header.includes(NAMED_BY));
  const rows: { row: TableRow; namedBy: string[]; subjects: string[] }[] = tables.flatMap((t) => {
    const column = t.header.indexOf(NAMED_BY);
    return t.rows.map((row) => ({
      row,
      namedBy: MarkdownDocument.codeIn(row.cells[column] ?? ''),
      subjects: MarkdownDocument.codeIn(row.cells[0] ?? ''),
    }));
  });

  it(`has tables with an "${NAMED_BY}" column`, () => {
    expect(rows.length).toBeGreaterThan(0);
  });

  it.each(namesInCode().map((n): [string, string] => [n.name, n.value]))(
    'lists %s as `%s`',
    (name, value) => {
      const naming = rows.filter((r) => r.namedBy.includes(name));
      if (naming.length === 0)
        throw new Error(
          `${PAGE}: no row names ${name} (${SOURCE}) in its "${NAMED_BY}" column: add | \`${value}\` | \`${name}\` | who writes it | what it carries |`,
        );
      const shown = naming.flatMap((r) => r.subjects);
      if (!shown.includes(value))
        throw new Error(
          `${PAGE}:${naming[0].row.line}: ${name} gives \`${value}\` with the default prefix; the row shows ${shown.map((s) => `\`${s}\``).join(', ') || 'nothing'} in its first column`,
        );
    },
  );

  it('names nothing subjects.ts does not define', () => {
    const known = new Set(namesInCode().map((n) => n.name));
    const extra = rows.flatMap(({ row, namedBy }) =>
      namedBy
        .filter((name) => /^(Subjects\.)?[A-Za-z_]\w*$/.test(name) && !known.has(name))
        .map((name) => `${PAGE}:${row.line}: ${name} is not defined in ${SOURCE}`),
    );
    expect(extra).toEqual([]);
  });
});
