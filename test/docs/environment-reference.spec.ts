// docs/reference/environment.md against the code: every variable the apps read, none they do not.
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { CommonEnv } from '@app/runtime/env.js';
import { ROOT, doc } from './doc-files.js';
import { MarkdownDocument, type TableRow } from './markdown-document.js';
import { filesUnder, sourceFiles } from './source-files.js';

const PAGE = 'docs/reference/environment.md';
const VARIABLE = /^[A-Z][A-Z0-9_]*$/;
/** Where variables are read outside the apps: demo, examples, tests, CI, benchmarks. */
const TOOLING = ['scripts', 'examples', 'test/support', 'test/e2e', 'bench', 'bin', '.ci'];
/** Files that declare env DTO classes. */
const ENV_DTO_FILE = /(^|-)env(\.dto)?\.ts$/;

type EnvClass = typeof CommonEnv;

interface EnvDto {
  readonly cls: EnvClass;
  readonly file: string;
}

/** Every class of an env DTO file (`*-env.dto.ts`, `env.ts`) that is, or extends, CommonEnv. */
async function envDtos(): Promise<EnvDto[]> {
  const files = sourceFiles(['apps', 'libs'], ENV_DTO_FILE);
  const found: EnvDto[] = [];
  for (const { path } of files) {
    const module = (await import(join(ROOT, path))) as Record<string, unknown>;
    for (const value of Object.values(module)) {
      if (
        typeof value === 'function' &&
        (value === CommonEnv || value.prototype instanceof CommonEnv)
      )
        found.push({ cls: value as EnvClass, file: path });
    }
  }
  return found;
}

/** The variables a class validates, its parents' included. */
function variablesOf(cls: EnvClass): Set<string> {
  const metas = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  return new Set(metas.map((m) => m.propertyName).filter((p) => VARIABLE.test(p)));
}

/** The variables a class declares itself, not inherited from its parent env class. */
function ownVariables(cls: EnvClass): string[] {
  const parent = Object.getPrototypeOf(cls) as EnvClass;
  const inherited =
    parent === CommonEnv || parent.prototype instanceof CommonEnv ? variablesOf(parent) : new Set();
  return [...variablesOf(cls)].filter((v) => !inherited.has(v));
}

/** Variables apps/ and libs/ read directly (`process.env.X`, `env.X`, `env['X']`), with a reader. */
function directReads(): Map<string, string> {
  const reads = new Map<string, string>();
  const pattern = /\benv(?:\.([A-Z][A-Z0-9_]*)\b|\[['"]([A-Z][A-Z0-9_]*)['"]\])/g;
  for (const { path, text } of sourceFiles(['apps', 'libs'])) {
    for (const m of text.matchAll(pattern)) reads.set(m[1] ?? m[2], path);
  }
  return reads;
}

/** The variable a table row documents (its first cell is `` `NAME` ``), if any. */
function variableOf(row: TableRow): string | undefined {
  const [code] = MarkdownDocument.codeIn(row.cells[0] ?? '');
  return code !== undefined && VARIABLE.test(code) ? code : undefined;
}

/** A default cell the class's initial value can be compared with: a number or one plain literal. */
function literalDefault(cell: string): string | undefined {
  if (/^\d[\d_,]*$/.test(cell)) return cell.replace(/[_,]/g, '');
  const code = /^`([^`$<]*)`$/.exec(cell);
  return code?.[1];
}

/** What the section of one env class gets wrong: variables missing or extra, defaults that differ. */
function sectionProblems(page: MarkdownDocument, { cls, file }: EnvDto): string[] {
  const marker = `\`${cls.name}\``;
  if (!page.heading(marker))
    return [
      `${PAGE}: no section for ${cls.name} (${file}): add a heading containing ${marker} with a table | variable | default | meaning |`,
    ];
  const rows = page.rowsUnder(marker);
  const listed = new Set(rows.map(variableOf).filter((v) => v !== undefined));
  const own = ownVariables(cls);
  const problems = [
    ...own
      .filter((v) => !listed.has(v))
      .map(
        (v) =>
          `${PAGE}, section ${cls.name}: ${v} is read by ${cls.name} (${file}) but not listed: add a row | \`${v}\` | default | meaning |`,
      ),
    ...[...listed]
      .filter((v) => !own.includes(v))
      .map(
        (v) =>
          `${PAGE}, section ${cls.name}: ${v} is listed but ${cls.name} (${file}) does not declare it: move the row to the class that does, or remove it`,
      ),
  ];
  const defaults = new (cls as unknown as new () => Record<string, unknown>)();
  const column = page.tables
    .find((t) => t.headings.some((h) => h.includes(marker)))
    ?.header.findIndex((h) => h.toLowerCase() === 'default');
  for (const row of rows) {
    const name = variableOf(row);
    const cell = column === undefined || column < 0 ? undefined : row.cells[column];
    const expected = cell === undefined ? undefined : literalDefault(cell);
    if (name && own.includes(name) && expected !== undefined && String(defaults[name]) !== expected)
      problems.push(
        `${PAGE}:${row.line}: ${name} defaults to ${JSON.stringify(defaults[name])} in ${file}, not ${cell}`,
      );
  }
  return problems;
}

describe(PAGE, () => {
  const page = doc(PAGE);
  const documented = new Map<string, TableRow>();
  for (const table of page.tables)
    for (const row of table.rows) {
      const name = variableOf(row);
      if (name) documented.set(name, row);
    }

  it('has a section for every env class, listing exactly the variables it declares', async () => {
    const dtos = await envDtos();
    expect(dtos.map((d) => d.cls.name)).toContain('CommonEnv');
    expect(dtos.flatMap((dto) => sectionProblems(page, dto))).toEqual([]);
  });

  it('lists every variable the apps and libraries read directly', () => {
    const missing = [...directReads()]
      .filter(([name]) => !documented.has(name))
      .map(
        ([name, file]) => `${PAGE}: ${name} is read in ${file} but not listed: add a row for it`,
      );
    expect(missing).toEqual([]);
  });

  it('lists no variable that nothing reads', () => {
    const reads = directReads();
    const declared = sourceFiles(['apps', 'libs'], ENV_DTO_FILE).map((f) => f.text);
    const tooling = filesUnder(TOOLING, (name) => /\.(ts|mjs|js|sh)$|^run$/.test(name)).map(
      (f) => f.text,
    );
    const readBy = (name: string, texts: string[]): boolean =>
      texts.some((text) => new RegExp(`\\b${name}\\b`).test(text));
    const stale = [...documented]
      .filter(([name]) => !reads.has(name) && !readBy(name, declared) && !readBy(name, tooling))
      .map(
        ([name, row]) =>
          `${PAGE}:${row.line}: ${name} is read by no app, script or test: remove the row`,
      );
    expect(stale).toEqual([]);
  });
});
