// Turns raw row measurements into the reported figures: ratios to direct and nginx, latency added
// over direct, RSS in MiB. Rows that could not run keep their note.
const MIB = 2 ** 20;

const round = (value, digits = 0) =>
  value === null || value === undefined || Number.isNaN(value)
    ? null
    : Math.round(value * 10 ** digits) / 10 ** digits;

const mib = (bytes) => (bytes === null ? null : round(bytes / MIB, 1));

const ratio = (a, b) => (a && b ? round(a / b, 2) : null);

/** `row` ÷ `base` (two summarized rows): rps, CPU per request, p50 and p99 latency. */
export function compareRows(row, base) {
  return {
    rpsRatio: ratio(row.rps, base.rps),
    cpuUsPerRequestRatio: ratio(row.cpuUsPerRequest, base.cpuUsPerRequest),
    fixedRateCpuUsPerRequestRatio: ratio(
      row.fixedRateCpuUsPerRequest,
      base.fixedRateCpuUsPerRequest,
    ),
    p50Ratio: ratio(row.latencyUs.p50, base.latencyUs.p50),
    p99Ratio: ratio(row.latencyUs.p99, base.latencyUs.p99),
  };
}

/**
 * The event-loop delay of the row's sidecars during the fixed-rate run (ms beyond the probe's
 * interval): the worst of them for each figure, and each sidecar's own; null without sidecars.
 */
function loopDelay(reports) {
  if (!reports?.length) return { eventLoopDelayMs: null };
  const worst = (q) => round(Math.max(...reports.map((r) => r[q])), 2);
  return {
    eventLoopDelayMs: { p50: worst('p50'), p99: worst('p99'), max: worst('max') },
    eventLoopDelayBySidecar: reports.map(({ name, samples, p50, p99, max }) => ({
      name,
      samples,
      p50: round(p50, 2),
      p99: round(p99, 2),
      max: round(max, 2),
    })),
  };
}

/** `measured`: `[{id, label, skipped?, figures?}]` in run order, direct first. */
export function summarize(measured) {
  const byId = new Map(measured.map((row) => [row.id, row.figures]));
  const direct = byId.get('direct');
  const nginx = byId.get('nginx');
  return measured.map(({ id, label, skipped, figures }) => {
    if (!figures) return { id, label, skipped };
    const { saturation, fixedRate, rss } = figures;
    const rpsRatio = (base) => (base ? round(saturation.rps / base.saturation.rps, 2) : null);
    const added = (q) => (direct ? round(fixedRate[q] - direct.fixedRate[q]) : null);
    return {
      id,
      label,
      rps: round(saturation.rps),
      ratioToDirect: rpsRatio(direct),
      ratioToNginx: rpsRatio(nginx),
      latencyUs: {
        p50: round(fixedRate.p50),
        p90: round(fixedRate.p90),
        p99: round(fixedRate.p99),
        max: round(fixedRate.max),
      },
      addedLatencyUs: { p50: added('p50'), p99: added('p99') },
      ...loopDelay(fixedRate.loopDelay),
      cpuUsPerRequest: round(saturation.cpuUsPerRequest, 1),
      fixedRateCpuUsPerRequest: round(fixedRate.cpuUsPerRequest, 1),
      // The NATS servers a bus hop crosses, when the row measured them (cross-cluster bench).
      ...(saturation.busCpuUsPerRequest !== undefined && {
        busCpuUsPerRequest: round(saturation.busCpuUsPerRequest, 1),
        fixedRateBusCpuUsPerRequest: round(fixedRate.busCpuUsPerRequest, 1),
      }),
      proxyCoreUse: round(saturation.proxyCoreUse, 2),
      coreBusy: saturation.coreBusy.map((busy) => round(busy, 2)),
      upstreamCpuUsPerRequest: round(saturation.upstreamCpuUsPerRequest, 1),
      rssMiB: { idle: mib(rss.idle), load: mib(rss.load) },
      otherWorkCores: {
        saturation: round(saturation.othersCores, 2),
        fixedRate: round(fixedRate.othersCores, 2),
      },
      attempts: figures.attempts,
      errors: { saturation: saturation.errors, fixedRate: fixedRate.errors },
      fixedRateAchievedRps: round(fixedRate.rps),
      fixedRateTargetRps: fixedRate.targetRps,
    };
  });
}
