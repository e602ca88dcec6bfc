// This process's GC pauses as they happen (PerformanceObserver 'gc' entries), on the epoch-ms
// clock every process of the machine shares: `{at, ms, kind}` each, taken in batches.
import { constants, performance, PerformanceObserver } from 'node:perf_hooks';

/** Scavenge, mark-compact, an incremental marking step, weak callbacks. */
const KINDS = new Map([
  [constants.NODE_PERFORMANCE_GC_MINOR, 'scavenge'],
  [constants.NODE_PERFORMANCE_GC_MAJOR, 'mark-compact'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weak-callbacks'],
]);

/** Starts recording; `take()` returns the pauses since the previous call. */
export function gcPauses() {
  let pauses = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      pauses.push({
        at: performance.timeOrigin + entry.startTime,
        ms: entry.duration,
        kind: KINDS.get(entry.detail?.kind) ?? 'other',
      });
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    take() {
      const taken = pauses;
      pauses = [];
      return taken;
    },
  };
}
