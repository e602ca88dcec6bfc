// Measures one started row: idle RSS, then saturation (wrk: rps, CPU per request) and fixed-rate
// latency (paced load), sampling the proxy's RSS throughout; measures again when other work on
// the machine disturbed the run.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { openLoopDelayWindow } from './loop-delay.mjs';
import { runPaced } from './paced-load.mjs';
import { coreBusySeconds, cpuSeconds, ownCpuSeconds, processTree, rssBytes } from './procfs.mjs';
import { waitForQuiet } from './quiet.mjs';
import { runWrk } from './wrk.mjs';

/** Pause after readiness so start-up work (JIT, config fetch, GC) settles before idle RSS. */
const SETTLE_MS = 2_000;
const RSS_SAMPLE_MS = 250;
/**
 * CPU used by processes that are not the bench's, in cores, above which an attempt counts as
 * disturbed: 10 % of a core during saturation, but only 2 % during the fixed-rate run, whose p99
 * is the slowest 1 % of requests, which a burst of other work of a few hundred ms is enough to
 * fill.
 */
const DISTURBED = { saturation: 0.1, fixedRate: 0.02 };

/**
 * Opens a measurement window; the returned function closes it and tells the wall time, the CPU
 * seconds of the proxy, of the upstream and of the NATS servers a bus hop goes through (`busPids`,
 * none unless given), each core's busy share, and `others`: the CPU, in cores, of everything on
 * the machine that is none of these nor the bench's own processes.
 */
function openWindow({ proxyPids, upstreamPids, backgroundPids, busPids = [] }) {
  const startedAt = performance.now();
  const cores = coreBusySeconds();
  const proxy = cpuSeconds(proxyPids);
  const upstream = cpuSeconds(upstreamPids);
  const bus = cpuSeconds(busPids);
  const own = cpuSeconds(backgroundPids) + ownCpuSeconds();
  return () => {
    const wallSeconds = (performance.now() - startedAt) / 1000;
    const busy = coreBusySeconds().map((seconds, core) => seconds - cores[core]);
    const proxyCpu = cpuSeconds(proxyPids) - proxy;
    const upstreamCpu = cpuSeconds(upstreamPids) - upstream;
    const busCpu = cpuSeconds(busPids) - bus;
    const ownCpu = cpuSeconds(backgroundPids) + ownCpuSeconds() - own;
    const othersCpu =
      busy.reduce((sum, s) => sum + s, 0) - proxyCpu - upstreamCpu - busCpu - ownCpu;
    return {
      wallSeconds,
      proxyCpu,
      upstreamCpu,
      busCpu,
      coreBusy: busy.map((seconds) => seconds / wallSeconds),
      others: Math.max(0, othersCpu / wallSeconds),
    };
  };
}

/**
 * One attempt: warm-up, saturation, fixed rate. `pids` are the process groups of `openWindow`; with
 * `busPids`, the NATS servers' CPU per request is reported too (`busCpuUsPerRequest`).
 */
export async function measureAttempt(target, pids, { ctx, options }) {
  const load = {
    core: ctx.loadCore,
    wrkPath: ctx.tools.wrk.path,
    port: target.port,
    host: target.host,
    connections: options.connections,
  };
  if (options.warmup > 0) await runWrk({ ...load, seconds: options.warmup });

  const closeSaturation = openWindow(pids);
  const saturation = await runWrk({ ...load, seconds: options.duration });
  const window = closeSaturation();

  const rate = target.rate ?? options.rate;
  const closeLoopDelay = await openLoopDelayWindow(target.procs);
  const closeFixedRate = openWindow(pids);
  const fixedRate = await runPaced({
    port: target.port,
    host: target.host,
    rate,
    seconds: options.duration,
  });
  const fixedRateWindow = closeFixedRate();
  const loopDelay = await closeLoopDelay();

  const hasProxy = pids.proxyPids.length > 0;
  const busPerRequest = (cpu, requests) =>
    pids.busPids?.length ? { busCpuUsPerRequest: (cpu / requests) * 1e6 } : {};
  return {
    saturation: {
      ...saturation,
      cpuUsPerRequest: hasProxy ? (window.proxyCpu / saturation.requests) * 1e6 : null,
      proxyCoreUse: hasProxy ? window.proxyCpu / window.wallSeconds : null,
      upstreamCpuUsPerRequest: (window.upstreamCpu / saturation.requests) * 1e6,
      ...busPerRequest(window.busCpu, saturation.requests),
      coreBusy: window.coreBusy,
      othersCores: window.others,
    },
    fixedRate: {
      ...fixedRate,
      targetRps: rate,
      // The same request rate for every row: CPU per request without saturation's batching.
      cpuUsPerRequest: hasProxy ? (fixedRateWindow.proxyCpu / fixedRate.settled) * 1e6 : null,
      ...busPerRequest(fixedRateWindow.busCpu, fixedRate.settled),
      othersCores: fixedRateWindow.others,
      loopDelay,
    },
    // How far over its limit the worse of the two runs was (1 = at the limit).
    disturbance: Math.max(
      window.others / DISTURBED.saturation,
      fixedRateWindow.others / DISTURBED.fixedRate,
    ),
  };
}

/**
 * `target` is what the row's `start` returned; `ctx` the run's context (cores, tools, upstream
 * and mesh processes); `options` the bench options. Runs up to `options.attempts` attempts, each
 * after waiting for a quiet machine, until one is undisturbed, and keeps the least disturbed.
 * Returns the row's figures (CPU and RSS are null for the direct row, which has no proxy).
 */
export async function measureRow(target, { ctx, options, log }) {
  const pids = {
    proxyPids: target.procs.flatMap((proc) => processTree(proc.pid)),
    upstreamPids: processTree(ctx.upstreamPid),
    // The mesh, and what the row runs for the load's sake (a TLS front): the bench's own work.
    backgroundPids: [...(ctx.mesh?.procs ?? []), ...(target.helpers ?? [])].flatMap((proc) =>
      processTree(proc.pid),
    ),
  };
  const hasProxy = pids.proxyPids.length > 0;
  await sleep(SETTLE_MS);
  const rssIdle = hasProxy ? rssBytes(pids.proxyPids) : null;
  let rssPeak = rssIdle;
  const sampler = hasProxy
    ? setInterval(() => (rssPeak = Math.max(rssPeak, rssBytes(pids.proxyPids))), RSS_SAMPLE_MS)
    : undefined;
  try {
    let best;
    for (let n = 1; n <= options.attempts; n++) {
      if (options.quietWait) await waitForQuiet(options.quietWait, log);
      const result = { ...(await measureAttempt(target, pids, { ctx, options })), attempts: n };
      if (!best || result.disturbance < best.disturbance) best = result;
      if (result.disturbance <= 1) break;
      const used = (cores) => `${Math.round(cores * 100)}%`;
      log(
        `other work used ${used(result.saturation.othersCores)} of a core during saturation, ` +
          `${used(result.fixedRate.othersCores)} during the fixed rate` +
          (n < options.attempts ? `: measuring again (${n + 1}/${options.attempts})` : ''),
      );
    }
    const rssLoad = hasProxy ? Math.max(rssPeak, rssBytes(pids.proxyPids)) : null;
    return { ...best, rss: { idle: rssIdle, load: rssLoad } };
  } finally {
    clearInterval(sampler);
  }
}
