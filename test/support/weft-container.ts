// Weft's image as containers on the local Docker engine, driven with the docker CLI as an operator does.
import { execFile, spawn } from 'node:child_process';
import { chmod, copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { FIXTURE_LABEL } from './nats-fixture.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUILD_SCRIPT = join(ROOT, 'scripts/build-image.sh');
/** Where a container finds the files a test hands it (read-only). */
export const CONTAINER_FILES = '/etc/weft';
const BUILD_TIMEOUT_MS = 300_000;

async function docker(args: readonly string[], timeout = 60_000): Promise<string> {
  try {
    return (await run('docker', args, { timeout, maxBuffer: 16 * 1024 * 1024 })).stdout.trim();
  } catch (err) {
    const { stderr } = err as { stderr?: string };
    throw new Error(`docker ${args.join(' ')}: ${stderr?.trim() || (err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * The image of this tree (`local/weft:<version>`), built with scripts/build-image.sh unless an image
 * labelled with this tree's build id is there already: a test never runs a stale image.
 */
export async function weftImage(): Promise<string> {
  const { stdout } = await run('bash', [BUILD_SCRIPT, '--build-id'], { cwd: ROOT });
  const want = stdout.trim();
  const tag = process.env.WEFT_IMAGE ?? `local/weft:${await packageVersion()}`;
  const have = await docker([
    'image',
    'inspect',
    '-f',
    '{{index .Config.Labels "weft.build"}}',
    tag,
  ]).catch(() => '');
  if (have === want) return tag;
  process.stderr.write(`[weft-container] building ${tag} (scripts/build-image.sh)\n`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn('bash', [BUILD_SCRIPT, tag], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`scripts/build-image.sh exited ${code}:\n${log.slice(-4_000)}`));
    });
  });
  return tag;
}

async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export interface ContainerSpec {
  /** A name unique to the test run (the container is named after it). */
  readonly name: string;
  /** The entry and its arguments: `control-plane`, `sidecar`, `router`, `cli …`. */
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  /** Host files the container reads, mounted read-only under CONTAINER_FILES by their base name. */
  readonly files?: readonly string[];
}

/** One container of the image: host network (the engine has no bridge), read-only root filesystem. */
export class WeftContainer {
  private constructor(
    readonly name: string,
    private readonly filesDir: string,
  ) {}

  static async run(image: string, spec: ContainerSpec): Promise<WeftContainer> {
    // The image's user (1337) reads the files: copies readable by it, not the 0600 originals.
    const filesDir = await mkdtemp(join(tmpdir(), 'weft-files-'));
    await chmod(filesDir, 0o755);
    for (const file of spec.files ?? []) {
      const copy = join(filesDir, basename(file));
      await copyFile(file, copy);
      await chmod(copy, 0o444);
    }
    const env = Object.entries(spec.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const name = `weft-e2e-${spec.name}-${process.pid}`;
    await docker([
      'run',
      '--detach',
      '--name',
      name,
      '--label',
      `${FIXTURE_LABEL.key}=${FIXTURE_LABEL.value}`,
      '--network',
      'host',
      '--read-only',
      '--tmpfs',
      '/tmp',
      '--volume',
      `${filesDir}:${CONTAINER_FILES}:ro`,
      ...env,
      image,
      ...spec.args,
    ]);
    return new WeftContainer(name, filesDir);
  }

  /** `docker stop` (SIGTERM, then SIGKILL after `graceS`); resolves with the exit code. */
  async stop(graceS = 20): Promise<number> {
    await docker(['stop', '--time', String(graceS), this.name], (graceS + 30) * 1_000);
    return Number(await this.inspect('{{.State.ExitCode}}'));
  }

  /** `docker inspect -f <format>` of this container. */
  inspect(format: string): Promise<string> {
    return docker(['inspect', '-f', format, this.name]);
  }

  /** What the image's process wrote to stdout and stderr. */
  async logs(): Promise<string> {
    const { stdout, stderr } = await run('docker', ['logs', this.name], {
      maxBuffer: 16 * 1024 * 1024,
    }).catch((err: { stdout?: string; stderr?: string }) => ({
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
    }));
    return `--- ${this.name} ---\n${stdout}${stderr}`;
  }

  /** Removes the container, its anonymous state volume and the files handed to it. */
  async remove(): Promise<void> {
    await docker(['rm', '--force', '--volumes', this.name]).catch(() => undefined);
    await rm(this.filesDir, { recursive: true, force: true });
  }
}
