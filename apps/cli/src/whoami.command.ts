// `weft whoami`: the caller the control plane sees for this CLI's credentials (a quick check of them).
import { Command } from 'commander';
import { withAdmin } from './cli-context.js';
import { out } from './output.js';

export function whoamiCommand(): Command {
  return new Command('whoami')
    .description("who the control plane takes this CLI's credentials for, and its role")
    .action(async (_opts: unknown, cmd: Command) => {
      const caller = await withAdmin(cmd, (admin) => admin.whoAmI());
      out(`${caller.name} (role ${caller.role}, by ${caller.credential})`);
    });
}
