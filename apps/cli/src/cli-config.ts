// `~/.config/weft/config.yaml`, as a kubeconfig: named contexts (server URL + token) and the current one.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { CliError } from './cli-error.js';

export interface CliContext {
  readonly name: string;
  readonly server: string;
  readonly token?: string;
}

export interface CliConfig {
  readonly 'current-context'?: string;
  readonly contexts: readonly CliContext[];
}

/** `WEFT_CONFIG`, else `$XDG_CONFIG_HOME/weft/config.yaml`, else `~/.config/weft/config.yaml`. */
export function cliConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WEFT_CONFIG) return env.WEFT_CONFIG;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'weft', 'config.yaml');
}

/** The file's contexts; none when it does not exist. */
export async function readCliConfig(path: string): Promise<CliConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { contexts: [] };
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw new CliError(`${path} is not YAML: ${(err as Error).message}`);
  }
  return validated(raw ?? {}, path);
}

/** Written for its owner only (it holds tokens). */
export async function writeCliConfig(path: string, config: CliConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, stringify(config), { mode: 0o600 });
  await chmod(path, 0o600);
}

export function currentContext(config: CliConfig): CliContext | undefined {
  const name = config['current-context'];
  return name === undefined ? undefined : config.contexts.find((c) => c.name === name);
}

function validated(raw: unknown, path: string): CliConfig {
  const bad = (what: string): CliError => new CliError(`${path}: ${what}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('not a mapping');
  const { contexts = [], 'current-context': current } = raw as Record<string, unknown>;
  if (!Array.isArray(contexts)) throw bad('contexts must be a list');
  if (current !== undefined && typeof current !== 'string') {
    throw bad('current-context must be a name');
  }
  const checked = contexts.map((c: unknown, i): CliContext => {
    const ctx = (typeof c === 'object' && c !== null ? c : {}) as Record<string, unknown>;
    if (typeof ctx.name !== 'string') throw bad(`contexts[${i}].name must be a string`);
    if (typeof ctx.server !== 'string') throw bad(`contexts[${i}].server must be a URL`);
    if (ctx.token !== undefined && typeof ctx.token !== 'string') {
      throw bad(`contexts[${i}].token must be a string`);
    }
    return {
      name: ctx.name,
      server: ctx.server,
      ...(ctx.token !== undefined && { token: ctx.token }),
    };
  });
  return { ...(current !== undefined && { 'current-context': current }), contexts: checked };
}
