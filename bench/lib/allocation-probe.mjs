// Preloaded into a Weft sidecar by bench/allocations.mjs (`node --import`): V8's sampling heap
// profiler, keeping the samples of objects already collected (a request's garbage is what matters).
// The first SIGUSR2 starts it, the second writes the profile to BENCH_ALLOCATION_PROFILE.
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/** Bytes between two samples: small enough for a few hundred bytes per request to show. */
const SAMPLING_INTERVAL = 1024;

const file = process.env.BENCH_ALLOCATION_PROFILE;
if (file) {
  const session = new Session();
  session.connect();
  let sampling = false;
  process.on('SIGUSR2', async () => {
    if (!sampling) {
      sampling = true;
      await session.post('HeapProfiler.startSampling', {
        samplingInterval: SAMPLING_INTERVAL,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
      return;
    }
    const { profile } = await session.post('HeapProfiler.stopSampling');
    // Renamed into place: the bench never reads a half-written file.
    writeFileSync(`${file}.tmp`, JSON.stringify(profile));
    renameSync(`${file}.tmp`, file);
  });
}
