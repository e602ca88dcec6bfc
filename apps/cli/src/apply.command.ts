// `weft apply -f FILE|DIR|-`: sends every document as one batch, so it is applied all or nothing.
import { Command } from 'commander';
import type { FieldError } from '@app/protocol';
import type { ApplyResult } from '@app/protocol';
import { author, withAdmin } from './cli-context.js';
import { CliError } from './cli-error.js';
import { displayResource } from './kinds.js';
import { parseSources, readSources } from './manifest-sources.js';
import { out } from './output.js';
import { withProgress } from './progress.js';

interface ApplyOptions {
  readonly filename: string[];
}

export function applyCommand(): Command {
  return new Command('apply')
    .description('apply resources from files, folders or stdin, all or nothing')
    .option(
      '-f, --filename <path>',
      'FILE, DIR (its *.yaml, *.yml, *.json, sorted) or - for stdin; repeatable',
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .action(async (opts: ApplyOptions, cmd: Command) => {
      if (opts.filename.length === 0) throw new CliError('apply needs at least one -f FILE|DIR|-');
      const documents = parseSources(await readSources(opts.filename));
      if (documents.length === 0) {
        throw new CliError(`no resources in ${opts.filename.join(', ')}; nothing applied`);
      }
      // JSON is YAML, and the documents are already parsed: send them as one JSON list.
      const outcome = await withAdmin(cmd, (admin) =>
        withProgress(`applying ${documents.length} document(s)`, () =>
          admin.apply(JSON.stringify(documents), author()),
        ),
      );
      if (!outcome.ok) throw rejected(outcome.errors);
      printApplied(outcome.result);
    });
}

/** kubectl's lines (`service/default/b-v1 created`), then the revision now current. */
export function printApplied(result: ApplyResult): void {
  for (const { resource, action } of result.results) out(`${displayResource(resource)} ${action}`);
  out(`revision ${result.revision}`);
}

function rejected(errors: readonly FieldError[]): CliError {
  const lines = errors.map((e) => `${e.resource}  ${e.path ? `${e.path}: ` : ''}${e.message}`);
  return new CliError(`apply rejected (${plural(errors.length, 'error')}); nothing applied`, lines);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
