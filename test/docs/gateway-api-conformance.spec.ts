// docs/reference/gateway-api-conformance.md against the tests it cites: each feature row names a
// test file that exists and test titles that are in it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { doc, ROOT } from './doc-files.js';
import { MarkdownDocument } from './markdown-document.js';

const PAGE = 'docs/reference/gateway-api-conformance.md';
const LINK = /\]\(([^)]+)\)/g;
/** A quoted test title; a trailing `…` stands for the rest of a long one. */
const TITLE = /"([^"]+?)(?:, …|…)?"/g;

describe(PAGE, () => {
  const rows = doc(PAGE).tables.flatMap((t) => t.rows);

  it('names exactly one feature in every row', () => {
    const features = rows.map((r) => MarkdownDocument.codeIn(r.cells[0] ?? ''));
    expect(features.filter((f) => f.length !== 1)).toEqual([]);
  });

  it.each(rows.map((r) => [MarkdownDocument.codeIn(r.cells[0] ?? '')[0], r]))(
    '%s: cites a test that exists, by its title',
    (_feature, row) => {
      const cell = row.cells[1] ?? '';
      const files = [...cell.matchAll(LINK)].map((m) => join(ROOT, 'docs/reference', m[1]));
      expect(files).toHaveLength(1);
      const source = readFileSync(files[0], 'utf8');
      const titles = [...cell.matchAll(TITLE)].map((m) => m[1]);
      expect(titles.length).toBeGreaterThan(0);
      expect(titles.filter((t) => !source.includes(t))).toEqual([]);
    },
  );
});
