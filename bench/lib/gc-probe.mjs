// Preloaded into a process by bench/fixed-rate.mjs (`node --import`): records every GC pause
// (PerformanceObserver 'gc' entries: start in epoch ms, duration, minor or major) and, on SIGUSR2,
// writes those since the previous SIGUSR2 to BENCH_GC_LOG, the same clock as the load generator's.
import { renameSync, writeFileSync } from 'node:fs';
import { gcPauses } from './gc-pauses.mjs';

const file = process.env.BENCH_GC_LOG;
if (file) {
  const pauses = gcPauses();
  process.on('SIGUSR2', () => {
    // Renamed into place: the bench never reads a half-written file.
    writeFileSync(`${file}.tmp`, JSON.stringify(pauses.take()));
    renameSync(`${file}.tmp`, file);
  });
}
