// `weft rollback REVISION`: makes the config what it was after REVISION, as a new revision.
import { Command, InvalidArgumentError } from 'commander';
import { printApplied } from './apply.command.js';
import { withAdmin } from './cli-context.js';
import { CliError } from './cli-error.js';
import { withProgress } from './progress.js';

export function rollbackCommand(): Command {
  return new Command('rollback')
    .description('restore the config of an earlier revision (recorded as a new revision)')
    .argument('<revision>', 'revision number, as `weft history` lists it', parseRevision)
    .action(async (revision: number, _opts: unknown, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) =>
        withProgress(`rolling back to revision ${revision}`, () => admin.rollback(revision)),
      );
      if (!result)
        throw new CliError(`revision ${revision} is not in the history (see weft history)`);
      printApplied(result);
    });
}

function parseRevision(value: string): number {
  const revision = Number(value);
  if (!Number.isInteger(revision) || revision < 1)
    throw new InvalidArgumentError('must be a revision number (1, 2, …)');
  return revision;
}
