// Runs the `weft` CLI as users do (`node bin/weft.js …`), for e2e tests, and reads its tables.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminTokenFor } from './admin-client.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WEFT = resolve(ROOT, 'bin/weft.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI as a child process; `server` goes in as `--server` unless it is undefined, and the
 * tests' admin token for that server (or `env`'s WEFT_SERVER) as WEFT_TOKEN unless `env` names one.
 */
export function weft(
  args: readonly string[],
  opts: { server?: string; stdin?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  return startWeft(args, opts).done;
}

/**
 * The same, with the process at hand (to signal it) while it runs. With `terminal`, the CLI runs
 * on a pseudo-terminal (util-linux `script`), as in an interactive shell: what is written to the
 * child's stdin is typed there (`\x03` is Ctrl-C), and stdout is what the terminal received.
 */
export function startWeft(
  args: readonly string[],
  opts: { server?: string; stdin?: string; env?: Record<string, string>; terminal?: boolean } = {},
): { child: ChildProcess; done: Promise<Run>; output: () => string } {
  // Jest's NODE_OPTIONS is not for the CLI, and the developer's WEFT_SERVER, WEFT_TOKEN and
  // config file (its contexts) must not leak in.
  const target = opts.server ?? opts.env?.WEFT_SERVER;
  const token = target === undefined ? undefined : adminTokenFor(target);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WEFT_CONFIG: resolve(ROOT, 'test/artifacts/no-weft-config.yaml'),
    ...(token !== undefined && { WEFT_TOKEN: token }),
    ...opts.env,
  };
  delete env.NODE_OPTIONS;
  if (!opts.env?.WEFT_SERVER) delete env.WEFT_SERVER;
  if (!opts.env?.WEFT_TOKEN && token === undefined) delete env.WEFT_TOKEN;
  const server = opts.server === undefined ? [] : ['--server', opts.server];
  const argv = [process.execPath, WEFT, ...server, ...args];
  // `exec`: script runs the command through $SHELL, and a shell left waiting (dash does not
  // exec a lone command) would be killed by the terminal's Ctrl-C before the CLI could answer it.
  const child = opts.terminal
    ? spawn('script', ['-qfec', `exec ${argv.map(shellQuote).join(' ')}`, '/dev/null'], {
        cwd: ROOT,
        env,
      })
    : spawn(argv[0], argv.slice(1), { cwd: ROOT, env });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  if (!opts.terminal) child.stdin.end(opts.stdin ?? '');
  const done = new Promise<Run>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done, output: () => stdout };
}

function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

export const lines = (text: string): string[] => text.split('\n').filter(Boolean);

/** A table row as its cells (columns are separated by at least two blanks). */
export const cells = (row: string): string[] => row.trim().split(/\s{2,}/);
