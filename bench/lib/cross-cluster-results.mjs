// The cross-cluster bench's figures from its rounds: each row's median over the rounds, and the
// headline, what a row adds over its baseline measured in the same round (paired, so that load
// from other work on the machine, which changes from round to round, falls on both alike).

/** The median of `numbers` (the mean of the middle two for an even count); null when empty. */
export function median(numbers) {
  if (numbers.length === 0) return null;
  const sorted = [...numbers].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Two decimals: the finest the figures mean (ratios), and more than latencies in µs need. */
const round2 = (value) => (value === null ? null : Math.round(value * 100) / 100);

/**
 * One value from the same field of several rounds' rows: numbers give their median (nulls left
 * out; null when none is a number), arrays and objects are taken field by field, anything else
 * (ids, labels, notes) is the first round's.
 */
export function medianOf(values) {
  const [first] = values;
  if (values.some((v) => typeof v === 'number')) {
    return round2(median(values.filter((v) => typeof v === 'number')));
  }
  if (Array.isArray(first)) return first.map((_, i) => medianOf(values.map((v) => v?.[i])));
  if (first && typeof first === 'object') {
    return Object.fromEntries(
      Object.keys(first).map((key) => [key, medianOf(values.map((v) => v?.[key]))]),
    );
  }
  return first ?? null;
}

/**
 * `rounds`: `[{rows}]`, each round's summarized rows (lib/results.mjs `summarize`). Each row of the
 * first round, with every figure the median over the rounds it ran in, and `rounds` that count.
 */
export function aggregateRounds(rounds) {
  const [first] = rounds;
  if (!first) return [];
  return first.rows.map(({ id }) => {
    const ran = rounds.map((r) => r.rows.find((row) => row.id === id)).filter((row) => row?.rps);
    if (ran.length === 0) return first.rows.find((row) => row.id === id);
    return { ...medianOf(ran), rounds: ran.length };
  });
}

/** What the median, lowest and highest of `values` (numbers) are; null when there are none. */
function spread(values) {
  const numbers = values.filter((v) => typeof v === 'number' && Number.isFinite(v));
  if (numbers.length === 0) return null;
  return {
    median: round2(median(numbers)),
    min: round2(Math.min(...numbers)),
    max: round2(Math.max(...numbers)),
  };
}

/** The figures compared, each `[name, figure of a summarized row]`. */
const COMPARED = [
  ['p50Us', (row) => row.latencyUs.p50],
  ['p99Us', (row) => row.latencyUs.p99],
  ['fixedRateSidecarCpuUsPerRequest', (row) => row.fixedRateCpuUsPerRequest],
  ['fixedRateNatsCpuUsPerRequest', (row) => row.fixedRateBusCpuUsPerRequest],
  ['sidecarCpuUsPerRequest', (row) => row.cpuUsPerRequest],
  ['natsCpuUsPerRequest', (row) => row.busCpuUsPerRequest],
];

const difference = (a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : null);

/**
 * Row `id` against row `baseId`, round by round: for each figure of `COMPARED` the difference
 * (`added`: id's minus baseId's in the same round) and the rps ratio, each as its median, lowest
 * and highest over the rounds both ran in; null when they never ran together.
 */
export function pairedComparison(rounds, id, baseId) {
  const pairs = rounds
    .map(({ rows }) => [rows.find((r) => r.id === id), rows.find((r) => r.id === baseId)])
    .filter(([row, base]) => row?.rps && base?.rps);
  if (pairs.length === 0) return null;
  const added = Object.fromEntries(
    COMPARED.map(([name, figure]) => [
      name,
      spread(pairs.map(([row, base]) => difference(figure(row), figure(base)))),
    ]),
  );
  const rpsRatio = spread(pairs.map(([row, base]) => row.rps / base.rps));
  return { row: id, base: baseId, rounds: pairs.length, added, rpsRatio };
}

/**
 * The headline: the cross-cluster HTTP hop through the east-west gateway over the local HTTP hop
 * (what crossing to the other cluster adds over HTTP), the cross-cluster bus hop over the local bus
 * hop (what crossing the leaf-node link adds), and the local bus hop over the local HTTP hop (the
 * reference); null parts did not run.
 */
export function crossClusterHeadline(rounds) {
  return {
    crossHttpOverLocalHttp: pairedComparison(rounds, 'weft-cross-http', 'weft-local-http'),
    crossOverLocalBus: pairedComparison(rounds, 'weft-cross-bus', 'weft-local-bus'),
    localBusOverHttp: pairedComparison(rounds, 'weft-local-bus', 'weft-local-http'),
  };
}

/** The headline as lines for stdout and the Markdown results. */
export function renderHeadline({ crossHttpOverLocalHttp, crossOverLocalBus, localBusOverHttp }) {
  const signed = (v) => (v > 0 ? `+${v}` : String(v));
  const us = (s) => (s ? `${signed(s.median)} µs (${signed(s.min)} to ${signed(s.max)})` : '—');
  const times = (s) => (s ? `${s.median}× (${s.min} to ${s.max})` : '—');
  const lines = [];
  for (const [title, c] of [
    ['east-west HTTP hop (through the gateway) − local HTTP hop (mTLS)', crossHttpOverLocalHttp],
    ['cross-cluster bus hop − local bus hop', crossOverLocalBus],
    ['local bus hop − local HTTP hop (mTLS)', localBusOverHttp],
  ]) {
    if (!c) continue;
    lines.push(
      `${title}, paired over ${c.rounds} rounds (median, lowest to highest):`,
      `  latency at the fixed rate: p50 ${us(c.added.p50Us)}, p99 ${us(c.added.p99Us)}`,
      `  CPU per request at the fixed rate: proxies ${us(c.added.fixedRateSidecarCpuUsPerRequest)}, ` +
        `nats-servers ${us(c.added.fixedRateNatsCpuUsPerRequest)}`,
      `  CPU per request at saturation: proxies ${us(c.added.sidecarCpuUsPerRequest)}, ` +
        `nats-servers ${us(c.added.natsCpuUsPerRequest)}`,
      `  max throughput: ${times(c.rpsRatio)} of the baseline's`,
    );
  }
  return lines.join('\n');
}

/**
 * CPU per request of each hop's parts, as lines: its proxies (the caller's and the callee's
 * sidecars, and on the gateway row west's east-west gateway) and the two nats-servers, at saturation and at the fixed rate (medians over the rounds).
 */
export function renderCpu(rows) {
  const cell = (value) => (value === null || value === undefined ? '—' : String(value));
  const lines = ['CPU µs per request (saturation / fixed rate): proxies, nats-servers'];
  for (const row of rows.filter((r) => r.rps && r.cpuUsPerRequest !== null)) {
    lines.push(
      `  ${row.label}: proxies ${cell(row.cpuUsPerRequest)} / ${cell(row.fixedRateCpuUsPerRequest)}, ` +
        `nats-servers ${cell(row.busCpuUsPerRequest)} / ${cell(row.fixedRateBusCpuUsPerRequest)}`,
    );
  }
  return lines.join('\n');
}
