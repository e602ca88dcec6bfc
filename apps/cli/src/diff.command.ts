// `weft diff -f FILE|DIR|-`: what an apply would change, resource by resource, applying nothing.
import { Command } from 'commander';
import { stringify } from 'yaml';
import type { DiffResult } from '@app/protocol';
import { filenameOption, readDocuments, rejected, type FilenameOptions } from './apply.command.js';
import { withAdmin } from './cli-context.js';
import { displayResource } from './kinds.js';
import { out } from './output.js';
import { withProgress } from './progress.js';
import { lineDiff } from './text-diff.js';

/** As `kubectl diff`: exit 1 when the apply would change something, 0 when it would not. */
export const CHANGES_FOUND = 1;

export function diffCommand(): Command {
  return filenameOption(
    new Command('diff').description(
      'show what applying these files would change (nothing is applied)',
    ),
  ).action(async (opts: FilenameOptions, cmd: Command) => {
    const documents = await readDocuments('diff', opts.filename);
    const outcome = await withAdmin(cmd, (admin) =>
      withProgress('computing the diff', () => admin.diff(JSON.stringify(documents))),
    );
    if (!outcome.ok) throw rejected(outcome.errors);
    if (printDiff(outcome.result) > 0) process.exitCode = CHANGES_FOUND;
  });
}

/** Prints each changed resource with its YAML diff; returns how many would change. */
function printDiff(diff: DiffResult): number {
  const changed = diff.results.filter((r) => r.action !== 'unchanged');
  for (const r of changed) {
    out(`${displayResource(r.resource)} would be ${r.action}`);
    const before = r.before ? stringify(r.before) : '';
    const after = r.action === 'deleted' || !r.after ? '' : stringify(r.after);
    for (const line of lineDiff(before, after)) out(`  ${line}`);
  }
  const unchanged = diff.results.length - changed.length;
  out(`${changed.length} to change, ${unchanged} unchanged, against revision ${diff.revision}`);
  return changed.length;
}
