// The repository's files as the doc checks scan them: shipped sources of apps and libs, and tooling.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './doc-files.js';

const NOT_SHIPPED = /\.(spec|e2e-spec|testing|fake)\.ts$/;
/** Generated or installed: never scanned. */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'results', 'artifacts']);

export interface SourceFile {
  /** Relative to the repository root. */
  readonly path: string;
  readonly text: string;
}

/** Every file under `dirs` (relative to ROOT; a missing one is skipped) whose name `accept`s. */
export function filesUnder(
  dirs: readonly string[],
  accept: (name: string) => boolean,
): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (abs: string): void => {
    for (const entry of readdirSync(abs).sort()) {
      const path = join(abs, entry);
      if (statSync(path).isDirectory()) {
        if (!SKIPPED_DIRS.has(entry)) walk(path);
      } else if (accept(entry))
        out.push({ path: relative(ROOT, path), text: readFileSync(path, 'utf8') });
    }
  };
  for (const dir of dirs) if (existsSync(join(ROOT, dir))) walk(join(ROOT, dir));
  return out;
}

/** Every shipped `.ts` file (no specs, no test doubles) under `dirs` whose name matches `name`. */
export function sourceFiles(dirs: readonly string[], name: RegExp = /\.ts$/): SourceFile[] {
  return filesUnder(
    dirs,
    (entry) => entry.endsWith('.ts') && name.test(entry) && !NOT_SHIPPED.test(entry),
  );
}
