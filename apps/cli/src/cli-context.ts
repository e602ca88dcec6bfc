// Global options every command shares, and the admin client built from them.
import type { Command } from 'commander';
import { userInfo, hostname } from 'node:os';
import { AdminClient } from './admin-client.js';

export interface GlobalOptions {
  readonly server: string;
}

/** Runs `work` with a client of the control plane named by `--server`, closed afterwards. */
export async function withAdmin<T>(
  cmd: Command,
  work: (admin: AdminClient) => Promise<T>,
): Promise<T> {
  const admin = new AdminClient(cmd.optsWithGlobals<GlobalOptions>().server);
  try {
    return await work(admin);
  } finally {
    await admin.close();
  }
}

/** Recorded with each revision the CLI writes (`x-weft-author`). */
export function author(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers with an arbitrary uid)
    user = process.env.USER ?? 'unknown';
  }
  return `weft-cli:${user}@${hostname()}`;
}
