// Global options every command shares: which control plane, with which token; the admin client.
import type { Command } from 'commander';
import { AdminClient, parseServer } from './admin-client.js';
import { cliConfigPath, currentContext, readCliConfig } from './cli-config.js';
import { defaultServer } from './defaults.js';

export interface GlobalOptions {
  readonly server?: string;
  readonly token?: string;
}

export interface AdminTarget {
  readonly server: string;
  readonly token?: string;
}

/**
 * `--server`, else WEFT_SERVER, else the current context's, else the default; `--token`, else
 * WEFT_TOKEN, else the current context's token, which goes only to that context's own server (a
 * `--server` pointing elsewhere never receives it).
 */
export async function adminTarget(
  opts: GlobalOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AdminTarget> {
  const context = currentContext(await readCliConfig(cliConfigPath(env)));
  const server = opts.server ?? (env.WEFT_SERVER || context?.server || defaultServer(env));
  const token =
    opts.token ??
    (env.WEFT_TOKEN ||
      (context !== undefined && parseServer(context.server) === parseServer(server)
        ? context.token
        : undefined));
  return { server, token };
}

/** Runs `work` with a client of the control plane the options name, closed afterwards. */
export async function withAdmin<T>(
  cmd: Command,
  work: (admin: AdminClient) => Promise<T>,
): Promise<T> {
  const { server, token } = await adminTarget(cmd.optsWithGlobals<GlobalOptions>());
  const admin = new AdminClient(server, token);
  try {
    return await work(admin);
  } finally {
    await admin.close();
  }
}
