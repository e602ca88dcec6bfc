// Where the documentation lives: the repository root, the Markdown files the doc checks cover.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MarkdownDocument } from './markdown-document.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** README.md, docs/**\/*.md, examples/**\/README.md and bench/README.md, relative to ROOT. */
export function checkedMarkdownFiles(): string[] {
  return [
    'README.md',
    ...markdownUnder('docs'),
    ...markdownUnder('examples').filter((f) => f.endsWith('/README.md')),
    'bench/README.md',
  ];
}

/** Every `*.md` below `dir` (relative to ROOT), sorted. */
export function markdownUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string): void => {
    for (const name of readdirSync(abs).sort()) {
      const path = join(abs, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.md')) out.push(relative(ROOT, path));
    }
  };
  if (existsSync(join(ROOT, dir))) walk(join(ROOT, dir));
  return out;
}

const cache = new Map<string, MarkdownDocument>();

/** A Markdown file of the repository (path relative to ROOT), parsed once. */
export function doc(path: string): MarkdownDocument {
  let parsed = cache.get(path);
  if (!parsed) {
    parsed = MarkdownDocument.read(ROOT, join(ROOT, path));
    cache.set(path, parsed);
  }
  return parsed;
}
