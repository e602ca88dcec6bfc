// `weft admin-token create|list|revoke`: the admin API's bearer tokens (admins only).
import { Command, InvalidArgumentError, Option } from 'commander';
import type { AdminRole } from '@app/protocol';
import { withAdmin } from './cli-context.js';
import { CliError } from './cli-error.js';
import { ago, err, formatTable, out } from './output.js';

const ROLES: readonly AdminRole[] = ['read', 'admin'];

export function adminTokenCommand(): Command {
  return new Command('admin-token')
    .description('create, list and revoke bearer tokens of the admin API (needs the admin role)')
    .addCommand(createCommand().exitOverride())
    .addCommand(listCommand().exitOverride())
    .addCommand(revokeCommand().exitOverride());
}

function createCommand(): Command {
  return new Command('create')
    .description('make a token; it is printed this once (the control plane keeps only its hash)')
    .requiredOption('--name <name>', 'who the token is for: the history records it as the author')
    .addOption(
      new Option('--role <role>', 'read: every GET, the stream, the dashboard; admin: every write')
        .choices(ROLES)
        .makeOptionMandatory(),
    )
    .action(async (opts: { name: string; role: AdminRole }, cmd: Command) => {
      const created = await withAdmin(cmd, (admin) => admin.createAdminToken(opts.name, opts.role));
      // The token alone on stdout, so `WEFT_TOKEN=$(weft admin-token create …)` works.
      out(created.token);
      err(`admin token ${created.name} (${created.role}) created; it is not shown again`);
    });
}

function listCommand(): Command {
  return new Command('list')
    .description('list tokens by name and role (never the tokens themselves)')
    .action(async (_opts: unknown, cmd: Command) => {
      const tokens = await withAdmin(cmd, (admin) => admin.adminTokens());
      const rows = tokens.map((t) => [t.name, t.role, ago(t.createdAt), t.createdBy]);
      for (const line of formatTable(['NAME', 'ROLE', 'CREATED', 'CREATED BY'], rows)) out(line);
    });
}

function revokeCommand(): Command {
  return new Command('revoke')
    .description('revoke a token: it is refused at once (on other replicas within moments)')
    .argument('<name>', 'the token to revoke, as `weft admin-token list` names it', nonEmpty)
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const revoked = await withAdmin(cmd, (admin) => admin.revokeAdminToken(name));
      if (!revoked) throw new CliError(`no admin token named ${name} (see weft admin-token list)`);
      out(`admin token ${name} revoked`);
    });
}

function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('must not be empty');
  return value;
}
