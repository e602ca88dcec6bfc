// Files generated from the code (CRDs, plain manifests): compared in tests, written by `npm run k8s:generate`.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from '../docs/doc-files.js';

/** True when the run writes the generated files instead of checking them (WEFT_K8S_UPDATE=1). */
export const UPDATING = process.env.WEFT_K8S_UPDATE === '1';

/** What is wrong with the committed `path` (relative to ROOT) against `content`, or undefined. */
export function staleness(path: string, content: string): string | undefined {
  const abs = join(ROOT, path);
  if (UPDATING) {
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
    return undefined;
  }
  if (!existsSync(abs)) return `${path} is missing: run \`npm run k8s:generate\``;
  return readFileSync(abs, 'utf8') === content
    ? undefined
    : `${path} is stale: run \`npm run k8s:generate\` and commit the result`;
}
