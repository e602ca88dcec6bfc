// `weft history`: every applied revision, newest first: when, by whom, from where, what changed.
import { Command } from 'commander';
import type { HistorySummary } from '@app/protocol';
import { withAdmin } from './cli-context.js';
import { ago, formatTable, out } from './output.js';
import { withProgress } from './progress.js';

export function historyCommand(): Command {
  return new Command('history')
    .description('list applied config revisions, newest first')
    .action(async (_opts: unknown, cmd: Command) => {
      const history = await withAdmin(cmd, (admin) =>
        withProgress('reading history', () => admin.history()),
      );
      out(`current revision ${history.revision}`);
      const rows = history.items.map((h) => [
        String(h.revision),
        ago(h.appliedAt),
        h.source,
        h.author,
        summary(h),
      ]);
      for (const line of formatTable(['REVISION', 'APPLIED', 'SOURCE', 'AUTHOR', 'CHANGES'], rows))
        out(line);
    });
}

/** `2 created, 1 configured`: from the counts (a summary lists only the first changes). */
function summary(entry: HistorySummary): string {
  const counts = Object.entries(entry.counts).filter(([, n]) => n > 0);
  return counts.map(([action, n]) => `${n} ${action}`).join(', ') || 'no changes';
}
