// A folder of YAML/JSON manifests: read as one multi-document text, and followed for changes.
import { watch } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const MANIFEST = /\.(ya?ml|json)$/i;
const DEBOUNCE_MS = 300;

export interface ManifestText {
  readonly text: string;
  readonly files: number;
}

/** Every manifest file of `dir`, in name order, joined with `---` (JSON is YAML). */
export async function readManifestFolder(dir: string): Promise<ManifestText> {
  const files = (await readdir(dir)).filter((f) => MANIFEST.test(f)).sort();
  const texts = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
  return { text: texts.map((t) => `---\n${t}\n`).join(''), files: files.length };
}

/** Calls `onChange` once a burst of changes in `dir` has settled; returns the stop function. */
export function watchManifestFolder(dir: string, onChange: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dir, () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, DEBOUNCE_MS);
  });
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
