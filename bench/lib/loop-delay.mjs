// The event-loop delay of Weft sidecars during the fixed-rate run: each sidecar runs with
// loop-delay-probe.mjs preloaded, and a SIGUSR2 at either end of the run tells it to report and
// start over (the first report, covering start-up and saturation, is discarded).
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './net.mjs';

const PROBE = fileURLToPath(new URL('./loop-delay-probe.mjs', import.meta.url));
const REPORT_TIMEOUT_MS = 5_000;

/** Node arguments and environment that make a process record its loop delay into `dir`. */
export function loopDelayProbe(dir) {
  mkdirSync(dir, { recursive: true });
  return { nodeArgs: ['--import', PROBE], env: { BENCH_LOOP_DELAY_DIR: dir } };
}

/** Asks each of `procs` (`{pid, loopDelayDir}`) for its report since the last ask; resolves to them. */
async function report(procs) {
  const file = (proc) => join(proc.loopDelayDir, `${proc.pid}.json`);
  for (const proc of procs) {
    rmSync(file(proc), { force: true });
    process.kill(proc.pid, 'SIGUSR2');
  }
  await waitFor(
    'event-loop delay reports',
    () => procs.every((proc) => existsSync(file(proc))),
    REPORT_TIMEOUT_MS,
  );
  return procs.map((proc) => ({
    name: proc.name,
    ...JSON.parse(readFileSync(file(proc), 'utf8')),
  }));
}

/**
 * Opens a loop-delay window over the processes of `procs` that run the probe; the returned function
 * closes it and resolves to one report per process (`{name, samples, p50, p99, max}`, ms beyond the
 * probe's 10 ms interval), or null when none runs the probe.
 */
export async function openLoopDelayWindow(procs) {
  const probed = procs.filter((proc) => proc.loopDelayDir);
  if (probed.length === 0) return async () => null;
  await report(probed);
  return () => report(probed);
}
