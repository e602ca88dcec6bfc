// Node runtime series on `/metrics`, under prom-client's conventional names: CPU, memory, fds, event loop, heap, GC.
import type { Meter } from '@opentelemetry/api';
import { readdirSync } from 'node:fs';
import {
  constants,
  monitorEventLoopDelay,
  PerformanceObserver,
  type PerformanceEntry,
} from 'node:perf_hooks';

const GC_KINDS: Readonly<Record<number, string>> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/** prom-client's buckets for GC pauses, in seconds. */
const GC_BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5];

/** Open file descriptors, from `/proc` (Linux); undefined where there is none. */
function openFds(): number | undefined {
  try {
    // The listing itself holds one descriptor open while it runs.
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return undefined;
  }
}

/**
 * Registers the runtime series on `meter`, read at scrape time; GC pauses are recorded as they
 * happen. Event-loop delay is sampled every 10 ms (as prom-client does) and its statistics cover
 * the time since the previous scrape.
 */
export function recordRuntimeMetrics(meter: Meter): void {
  const startTime = Math.round(Date.now() / 1000 - process.uptime());
  meter
    .createObservableCounter('process_cpu_seconds', {
      description: 'User and system CPU time spent, in seconds',
      unit: 's',
    })
    .addCallback((r) => {
      const { user, system } = process.cpuUsage();
      r.observe((user + system) / 1e6);
    });
  meter
    .createObservableGauge('process_start_time_seconds', {
      description: 'Start time of the process since the Unix epoch, in seconds',
      unit: 's',
    })
    .addCallback((r) => r.observe(startTime));
  meter
    .createObservableGauge('process_resident_memory_bytes', {
      description: 'Resident memory size, in bytes',
      unit: 'By',
    })
    .addCallback((r) => r.observe(process.memoryUsage.rss()));
  meter
    .createObservableGauge('process_open_fds', { description: 'Open file descriptors', unit: '1' })
    .addCallback((r) => {
      const fds = openFds();
      if (fds !== undefined) r.observe(fds);
    });

  const heapTotal = meter.createObservableGauge('nodejs_heap_size_total_bytes', {
    description: 'V8 heap size, in bytes',
    unit: 'By',
  });
  const heapUsed = meter.createObservableGauge('nodejs_heap_size_used_bytes', {
    description: 'V8 heap used, in bytes',
    unit: 'By',
  });
  const external = meter.createObservableGauge('nodejs_external_memory_bytes', {
    description: 'Memory of C++ objects bound to JavaScript objects, in bytes',
    unit: 'By',
  });
  meter.addBatchObservableCallback(
    (r) => {
      const memory = process.memoryUsage();
      r.observe(heapTotal, memory.heapTotal);
      r.observe(heapUsed, memory.heapUsed);
      r.observe(external, memory.external);
    },
    [heapTotal, heapUsed, external],
  );

  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const lagGauge = (statistic: string, what: string) =>
    meter.createObservableGauge(`nodejs_eventloop_lag_${statistic}_seconds`, {
      description: `${what} event-loop delay since the previous scrape, in seconds`,
      unit: 's',
    });
  const lag = {
    mean: lagGauge('mean', 'Mean'),
    p50: lagGauge('p50', 'Median'),
    p99: lagGauge('p99', '99th percentile of the'),
    max: lagGauge('max', 'Longest'),
  };
  meter.addBatchObservableCallback((r) => {
    // No sample yet (a scrape right after the previous one): no statistic to report.
    if (delay.count === 0) return;
    r.observe(lag.mean, delay.mean / 1e9);
    r.observe(lag.p50, delay.percentile(50) / 1e9);
    r.observe(lag.p99, delay.percentile(99) / 1e9);
    r.observe(lag.max, delay.max / 1e9);
    delay.reset();
  }, Object.values(lag));

  const gc = meter.createHistogram('nodejs_gc_duration_seconds', {
    description: 'Garbage collection pauses by kind, in seconds',
    unit: 's',
    advice: { explicitBucketBoundaries: GC_BUCKETS },
  });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      // A GC entry's detail (Node ≥ 16) says which collector ran.
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      gc.record(entry.duration / 1000, { kind: GC_KINDS[kind ?? -1] ?? 'other' });
    }
  }).observe({ entryTypes: ['gc'] });
}
