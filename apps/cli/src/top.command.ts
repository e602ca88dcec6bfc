// `weft top`: a live table of traffic per route, redrawn in place until Ctrl-C (or once with --once).
import { Command, InvalidArgumentError, Option } from 'commander';
import type { MeshStats } from '@app/protocol';
import type { AdminClient } from './admin-client.js';
import { withAdmin } from './cli-context.js';
import { messageOf } from './cli-error.js';
import { routeTable } from './golden-signals.js';
import { out } from './output.js';

const CLEAR_SCREEN = '\x1b[H\x1b[2J';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

interface TopOptions {
  readonly interval: number;
  readonly once?: boolean;
}

export function topCommand(): Command {
  return new Command('top')
    .description('live traffic per route: rps, success rate, p50/p95/p99 latency (Ctrl-C quits)')
    .addOption(
      new Option('--interval <seconds>', 'refresh interval').argParser(positiveSeconds).default(2),
    )
    .option('--once', 'print the table once and exit')
    .action(async (opts: TopOptions, cmd: Command) => {
      await withAdmin(cmd, async (admin) => {
        // The first answer decides: an unreachable control plane is an error, not an empty screen.
        const first = await admin.stats();
        if (opts.once) {
          for (const line of topFrame(admin.base, first, new Date())) out(line);
          return;
        }
        await live(admin, first, opts.interval * 1000);
      });
    });
}

/** Redraws every interval until SIGINT; a failed refresh is shown, and the next one retried. */
async function live(admin: AdminClient, first: MeshStats, intervalMs: number): Promise<void> {
  const tty = process.stdout.isTTY === true;
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const onSigint = (): void => stop();
  process.once('SIGINT', onSigint);
  if (tty) process.stdout.write(HIDE_CURSOR);
  try {
    let stats = first;
    let problem: string | undefined;
    for (;;) {
      const frame = topFrame(admin.base, stats, new Date(), problem);
      // In a terminal the frame replaces the last one; piped, frames follow one another.
      process.stdout.write(`${tty ? CLEAR_SCREEN : '\n'}${frame.join('\n')}\n`);
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise<'tick'>(
        (resolve) => (timer = setTimeout(resolve, intervalMs, 'tick')),
      );
      const next = await Promise.race([tick, stopped.then(() => 'stop' as const)]);
      clearTimeout(timer);
      if (next === 'stop') return;
      // Ctrl-C does not wait for a slow answer either.
      const answer = await Promise.race([
        admin.stats().then(
          (fresh) => ({ fresh }),
          (err: unknown) => ({ err }),
        ),
        stopped.then(() => undefined),
      ]);
      if (answer === undefined) return;
      if ('fresh' in answer) stats = answer.fresh;
      problem =
        'err' in answer
          ? `refresh failed: ${messageOf(answer.err)}; showing the last answer`
          : undefined;
    }
  } finally {
    process.off('SIGINT', onSigint);
    if (tty) process.stdout.write(SHOW_CURSOR);
  }
}

/** One screen: where the numbers come from and when, then the busiest routes first. */
export function topFrame(base: string, stats: MeshStats, at: Date, problem?: string): string[] {
  const seconds = Math.round(stats.windowMs / 1000);
  const head = `weft top  ${base}  last ${seconds}s  ${at.toISOString().slice(11, 19)}`;
  const lines = [head, ...(problem ? [problem] : []), ''];
  if (stats.routes.length === 0) return [...lines, `no outbound traffic in the last ${seconds}s`];
  return [...lines, ...routeTable(stats)];
}

function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}
