// Which NATS the CLI's bus commands (check, tap, events) talk to, and what said so.
import type { Command } from 'commander';
import { withAdmin } from './cli-context.js';
import { defaultNatsUrl } from './defaults.js';

export interface NatsTarget {
  /** Comma-separated servers, as NATS_URL. */
  readonly url: string;
  /** Where it came from, for messages: `--nats`, `NATS_URL`, `the control plane`, `the default`. */
  readonly source: string;
}

/** The one help text of every bus command's `--nats` option. */
export const NATS_OPTION_HELP =
  'NATS server(s), comma-separated (default: $NATS_URL, else the servers the control plane uses, else nats://127.0.0.1:4222)';

/**
 * `--nats`, else NATS_URL, else the servers the control plane at `--server` says it uses (GET
 * /v1/version, credentials left out), else the apps' default. A control plane that cannot be
 * asked is no error here: the command then says it cannot reach NATS at the default.
 */
export async function natsTarget(flag: string | undefined, cmd: Command): Promise<NatsTarget> {
  if (flag) return { url: flag, source: '--nats' };
  if (process.env.NATS_URL) return { url: process.env.NATS_URL, source: 'NATS_URL' };
  // An older control plane does not say (no `nats`); one that cannot be asked says nothing either.
  const servers: readonly string[] = await withAdmin(cmd, (admin) => admin.version()).then(
    (info) => (Array.isArray(info.nats) ? info.nats.map(String) : []),
    () => [],
  );
  if (servers.length > 0) return { url: servers.join(','), source: 'the control plane' };
  return { url: defaultNatsUrl(), source: 'the default' };
}
