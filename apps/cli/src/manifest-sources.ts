// Reads `apply -f` sources (files, folders, stdin) and parses them locally, naming the file in errors.
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CliError, errorCode, messageOf } from './cli-error.js';

export const STDIN = '-';
const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export interface ManifestSource {
  /** The path as given (or inside the given folder), or `<stdin>`. */
  readonly name: string;
  readonly text: string;
}

/** Reads every `-f` in order; a folder contributes its *.yaml, *.yml, *.json files sorted by name. */
export async function readSources(
  paths: readonly string[],
  readStdin: () => Promise<string> = readAll,
): Promise<ManifestSource[]> {
  if (paths.filter((p) => p === STDIN).length > 1) {
    throw new CliError('-f - (stdin) can be given only once');
  }
  const sources: ManifestSource[] = [];
  for (const path of paths) {
    if (path === STDIN) sources.push({ name: '<stdin>', text: await readStdin() });
    else sources.push(...(await readPath(path)));
  }
  return sources;
}

async function readPath(path: string): Promise<ManifestSource[]> {
  const info = await stat(path).catch((err: unknown) => {
    throw unreadable(path, err);
  });
  if (!info.isDirectory()) return [{ name: path, text: await readText(path) }];
  const entries = await readdir(path, { withFileTypes: true });
  const files = entries
    .filter((e) => !e.isDirectory() && MANIFEST_EXTENSIONS.has(extname(e.name).toLowerCase()))
    .map((e) => e.name)
    .sort();
  if (files.length === 0) throw new CliError(`no *.yaml, *.yml or *.json files in ${path}`);
  return Promise.all(
    files.map(async (f) => ({ name: join(path, f), text: await readText(join(path, f)) })),
  );
}

async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8').catch((err: unknown) => {
    throw unreadable(path, err);
  });
}

function unreadable(path: string, err: unknown): CliError {
  const code = errorCode(err);
  const why = code === 'ENOENT' ? 'no such file or directory' : (code ?? messageOf(err));
  return new CliError(`cannot read ${path}: ${why}`);
}

async function readAll(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Every non-empty YAML/JSON document of every source, in order. Syntax errors are reported here,
 * per file and line, before anything is sent; the control plane validates the resources.
 */
export function parseSources(sources: readonly ManifestSource[]): unknown[] {
  const documents: unknown[] = [];
  const errors: string[] = [];
  for (const source of sources) {
    for (const doc of parseAllDocuments(source.text)) {
      if (doc.errors.length > 0) {
        errors.push(
          ...doc.errors.map((e) => `${source.name}: invalid YAML: ${firstLine(e.message)}`),
        );
        continue;
      }
      const value: unknown = doc.toJS();
      if (value !== null && value !== undefined) documents.push(value);
    }
  }
  if (errors.length > 0) throw new CliError('cannot parse the manifests; nothing applied', errors);
  return documents;
}

/** yaml's messages end with a code frame; the first line says what and where. */
function firstLine(message: string): string {
  return message.split('\n')[0].replace(/:$/, '');
}
