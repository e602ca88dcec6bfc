// `weft stat [-o json]`: the golden signals of every Service and of every edge between services.
import { Command, Option } from 'commander';
import type { MeshStats } from '@app/protocol';
import { withAdmin } from './cli-context.js';
import { edgeTable, serviceTable } from './golden-signals.js';
import { out } from './output.js';
import { withProgress } from './progress.js';

interface StatOptions {
  readonly output?: 'json';
}

export function statCommand(): Command {
  return new Command('stat')
    .description('golden signals per Service and per edge: rps, success rate, p50/p95/p99 latency')
    .addOption(new Option('-o, --output <format>', 'json (as GET /v1/stats)').choices(['json']))
    .action(async (opts: StatOptions, cmd: Command) => {
      const { base, stats } = await withAdmin(cmd, async (admin) => ({
        base: admin.base,
        stats: await withProgress('asking the control plane', () => admin.stats()),
      }));
      if (opts.output === 'json') {
        out(JSON.stringify(stats, null, 2));
        return;
      }
      for (const line of statReport(base, stats)) out(line);
    });
}

/** The tables, or a line saying why there are none. */
export function statReport(base: string, stats: MeshStats): string[] {
  const seconds = Math.round(stats.windowMs / 1000);
  const head = `control plane ${base}, last ${seconds}s`;
  if (stats.services.length === 0 && stats.edges.length === 0) {
    return [head, `no traffic reported by any proxy in the last ${seconds}s`];
  }
  const lines = [head];
  if (stats.services.length > 0) lines.push('', ...serviceTable(stats));
  if (stats.edges.length > 0) lines.push('', ...edgeTable(stats));
  return lines;
}
