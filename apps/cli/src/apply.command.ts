// `weft apply -f FILE|DIR|-`: sends every document as one batch, so it is applied all or nothing.
import { Command } from 'commander';
import type { ApplyResult, FieldError } from '@app/protocol';
import { withAdmin } from './cli-context.js';
import { CliError } from './cli-error.js';
import { displayResource } from './kinds.js';
import { parseSources, readSources } from './manifest-sources.js';
import { out } from './output.js';
import { withProgress } from './progress.js';
import { conditionLine } from './route-conditions.js';

export interface FilenameOptions {
  readonly filename: string[];
}

/** `-f FILE|DIR|-`, repeatable: every source a batch is read from. */
export function filenameOption(cmd: Command): Command {
  return cmd.option(
    '-f, --filename <path>',
    'FILE, DIR (its *.yaml, *.yml, *.json, sorted) or - for stdin; repeatable',
    (value: string, previous: string[]) => [...previous, value],
    [],
  );
}

/** Every document of every source, parsed here so a syntax error names its file and line. */
export async function readDocuments(
  verb: string,
  filenames: readonly string[],
): Promise<unknown[]> {
  if (filenames.length === 0) throw new CliError(`${verb} needs at least one -f FILE|DIR|-`);
  const documents = parseSources(await readSources(filenames));
  if (documents.length === 0) throw new CliError(`no resources in ${filenames.join(', ')}`);
  return documents;
}

export function applyCommand(): Command {
  return filenameOption(
    new Command('apply').description(
      'apply resources from files, folders or stdin, all or nothing',
    ),
  ).action(async (opts: FilenameOptions, cmd: Command) => {
    const documents = await readDocuments('apply', opts.filename);
    // JSON is YAML, and the documents are already parsed: send them as one JSON list.
    const outcome = await withAdmin(cmd, (admin) =>
      withProgress(`applying ${documents.length} document(s)`, () =>
        admin.apply(JSON.stringify(documents)),
      ),
    );
    if (!outcome.ok) throw rejected(outcome.errors);
    printApplied(outcome.result);
  });
}

/**
 * kubectl's lines (`service/default/b-v1 created`), each route's or policy's conditions that need reading
 * indented under it (an unresolved reference is reported, not refused), then the revision (the one
 * that stays, when nothing changed).
 */
export function printApplied(result: ApplyResult): void {
  for (const { resource, action, conditions } of result.results) {
    out(`${displayResource(resource)} ${action}`);
    for (const c of conditions ?? []) out(`  ${conditionLine(c)}`);
  }
  out(
    result.changed === false
      ? `revision ${result.revision} (no changes)`
      : `revision ${result.revision}`,
  );
}

export function rejected(errors: readonly FieldError[]): CliError {
  const lines = errors.map((e) => `${e.resource}  ${e.path ? `${e.path}: ` : ''}${e.message}`);
  return new CliError(`apply rejected (${plural(errors.length, 'error')}); nothing applied`, lines);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
