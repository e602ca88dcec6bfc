// A Markdown file as the doc checks read it: headings with their GitHub anchors, links, tables.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

export interface Heading {
  readonly level: number;
  readonly text: string;
  readonly anchor: string;
  readonly line: number;
}

export interface Link {
  readonly target: string;
  readonly line: number;
}

export interface TableRow {
  readonly cells: readonly string[];
  readonly line: number;
}

export interface Table {
  /** The texts of the headings the table sits under, outermost first. */
  readonly headings: readonly string[];
  readonly header: readonly string[];
  readonly rows: readonly TableRow[];
}

const FENCE = /^\s*(```|~~~)/;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const CODE_SPAN = /`+[^`]*`+/g;
const INLINE_LINK = /!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
const REFERENCE_DEFINITION = /^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/;
const HTML_ANCHOR = /<a\s+(?:id|name)="([^"]+)"/g;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;

export class MarkdownDocument {
  readonly headings: Heading[] = [];
  readonly links: Link[] = [];
  readonly tables: Table[] = [];
  readonly anchors = new Set<string>();
  readonly lines: readonly string[];

  constructor(
    /** Path relative to the repository root, as failure messages name it. */
    readonly path: string,
    text: string,
  ) {
    this.lines = text.split('\n');
    this.parse();
  }

  static read(root: string, file: string): MarkdownDocument {
    return new MarkdownDocument(relative(root, file), readFileSync(file, 'utf8'));
  }

  /** The code spans (`` `x` ``) of a table cell, without their backticks. */
  static codeIn(cell: string): string[] {
    return [...cell.matchAll(/`+([^`]*)`+/g)].map((m) => m[1].trim());
  }

  /** Rows of the tables under a heading whose text contains `marker`. */
  rowsUnder(marker: string): TableRow[] {
    return this.tables
      .filter((t) => t.headings.some((h) => h.includes(marker)))
      .flatMap((t) => t.rows);
  }

  /** The first heading whose text contains `marker`. */
  heading(marker: string): Heading | undefined {
    return this.headings.find((h) => h.text.includes(marker));
  }

  /** The text from the heading `marker` names to the next heading of its level or above. */
  sectionText(marker: string): string {
    const start = this.heading(marker);
    if (!start) return '';
    const end = this.headings.find((h) => h.line > start.line && h.level <= start.level);
    return this.lines.slice(start.line - 1, end ? end.line - 1 : undefined).join('\n');
  }

  private parse(): void {
    const slugs = new Map<string, number>();
    const open: Heading[] = [];
    const fenced = this.fencedLines();
    for (let i = 0; i < this.lines.length; i++) {
      if (fenced[i]) continue;
      const line = this.lines[i];
      for (const m of line.matchAll(HTML_ANCHOR)) this.anchors.add(m[1]);
      const definition = REFERENCE_DEFINITION.exec(line);
      if (definition) this.links.push({ target: definition[1], line: i + 1 });
      for (const m of line.replace(CODE_SPAN, '').matchAll(INLINE_LINK)) {
        this.links.push({ target: m[1], line: i + 1 });
      }
      const heading = HEADING.exec(line);
      if (heading) {
        const text = heading[2];
        const anchor = uniqueSlug(githubSlug(text), slugs);
        const h = { level: heading[1].length, text, anchor, line: i + 1 };
        this.headings.push(h);
        this.anchors.add(anchor);
        while (open.length > 0 && open[open.length - 1].level >= h.level) open.pop();
        open.push(h);
      } else if (
        line.trimStart().startsWith('|') &&
        TABLE_SEPARATOR.test(this.lines[i + 1] ?? '')
      ) {
        this.readTable(
          i,
          open.map((h) => h.text),
        );
      }
    }
  }

  /** Which lines sit inside a fenced code block (fences included). */
  private fencedLines(): boolean[] {
    let inside = false;
    return this.lines.map((line) => {
      if (FENCE.test(line)) {
        inside = !inside;
        return true;
      }
      return inside;
    });
  }

  /** Reads the table whose header is at `start`. */
  private readTable(start: number, headings: string[]): void {
    const header = cellsOf(this.lines[start]);
    const rows: TableRow[] = [];
    let i = start + 2;
    for (; i < this.lines.length && this.lines[i].trimStart().startsWith('|'); i++) {
      rows.push({ cells: cellsOf(this.lines[i]), line: i + 1 });
    }
    this.tables.push({ headings, header, rows });
  }
}

/** Splits a table row on its unescaped pipes; `\|` inside a cell stays a `|`. */
function cellsOf(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

/**
 * The anchor GitHub gives a heading: its rendered text lower-cased, punctuation dropped, spaces
 * turned into hyphens (github-slugger's rule, which keeps letters, digits, `-` and `_`).
 */
export function githubSlug(text: string): string {
  const rendered = text
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`/g, '')
    .replace(/<[^>]+>/g, '')
    .replace(/\*\*|\*/g, '');
  return rendered
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** GitHub numbers repeated anchors: `setup`, `setup-1`, `setup-2`. */
function uniqueSlug(slug: string, seen: Map<string, number>): string {
  const count = seen.get(slug);
  seen.set(slug, (count ?? -1) + 1);
  return count === undefined ? slug : `${slug}-${count + 1}`;
}
