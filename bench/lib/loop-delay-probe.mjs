// Preloaded into Weft sidecars by the bench (`node --import`, see loop-delay.mjs): records the
// event loop's delay with perf_hooks.monitorEventLoopDelay and, on SIGUSR2, writes what it saw
// since the previous SIGUSR2 to <BENCH_LOOP_DELAY_DIR>/<pid>.json, then starts over.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** The probe timer's interval (prom-client's default): a sample every 10 ms. */
const RESOLUTION_MS = 10;

const dir = process.env.BENCH_LOOP_DELAY_DIR;
if (dir) {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  // The histogram holds the time between two runs of the probe (ns): its interval plus the delay.
  const delayMs = (ns) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  process.on('SIGUSR2', () => {
    const file = join(dir, `${process.pid}.json`);
    const figures = {
      samples: histogram.count,
      p50: delayMs(histogram.percentile(50)),
      p99: delayMs(histogram.percentile(99)),
      max: delayMs(histogram.max),
    };
    histogram.reset();
    // Renamed into place: the bench never reads a half-written file.
    writeFileSync(`${file}.tmp`, JSON.stringify(figures));
    renameSync(`${file}.tmp`, file);
  });
}
