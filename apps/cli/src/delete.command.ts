// `weft delete KIND NAME [-n NAMESPACE]`: removes one stored resource (a new revision).
import { Command } from 'commander';
import { printApplied } from './apply.command.js';
import { withAdmin } from './cli-context.js';
import { CliError } from './cli-error.js';
import { RESOURCE_KIND_WORDS, resolveResourceKind } from './kinds.js';
import { withProgress } from './progress.js';

const DEFAULT_NAMESPACE = 'default';

interface DeleteOptions {
  readonly namespace: string;
}

export function deleteCommand(): Command {
  return new Command('delete')
    .description('delete a stored resource (a new revision)')
    .argument('<kind>', `one of ${RESOURCE_KIND_WORDS}, singular or plural`)
    .argument('<name>', 'resource name')
    .option('-n, --namespace <namespace>', 'namespace of the resource', DEFAULT_NAMESPACE)
    .action(async (kindWord: string, name: string, opts: DeleteOptions, cmd: Command) => {
      const kind = resolveResourceKind(kindWord);
      const result = await withAdmin(cmd, (admin) =>
        withProgress(`deleting ${kind.singular} ${name}`, () =>
          admin.remove(kind.id, opts.namespace, name),
        ),
      );
      if (result === undefined) {
        throw new CliError(`${kind.singular} "${name}" not found in namespace "${opts.namespace}"`);
      }
      printApplied(result);
    });
}
