// Renders summarized rows and target checks as a plain-text table for stdout.
const percent = (share) => (share === null ? null : `${Math.round(share * 100)}%`);
const loopDelay = (ms) => (ms ? `${ms.p50}/${ms.p99}/${ms.max}` : null);

const COLUMNS = [
  ['row', (r) => r.label],
  ['rps', (r) => r.rps],
  ['×direct', (r) => r.ratioToDirect],
  ['×nginx', (r) => r.ratioToNginx],
  ['p50 µs', (r) => r.latencyUs.p50],
  ['p99 µs', (r) => r.latencyUs.p99],
  ['+p50 µs', (r) => r.addedLatencyUs.p50],
  ['+p99 µs', (r) => r.addedLatencyUs.p99],
  ['CPU µs/req', (r) => r.cpuUsPerRequest],
  ['proxy CPU', (r) => percent(r.proxyCoreUse)],
  ['cores busy', (r) => r.coreBusy.map(percent).join('/')],
  ['others', (r) => percent(Math.max(r.otherWorkCores.saturation, r.otherWorkCores.fixedRate))],
  ['loop p50/p99/max ms', (r) => loopDelay(r.eventLoopDelayMs)],
  ['RSS idle MiB', (r) => r.rssMiB.idle],
  ['RSS load MiB', (r) => r.rssMiB.load],
];

export function renderTable(rows) {
  const cells = rows.map((r) =>
    r.skipped
      ? [r.label, `skipped: ${r.skipped}`]
      : COLUMNS.map(([, cell]) => String(cell(r) ?? '—')),
  );
  const widths = COLUMNS.map(([title], i) =>
    Math.max(title.length, ...cells.filter((c) => c.length > 2).map((c) => c[i].length)),
  );
  const line = (values) =>
    values.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  return [
    line(COLUMNS.map(([title]) => title)),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map((c) => (c.length > 2 ? line(c) : `${c[0].padEnd(widths[0])}  ${c[1]}`)),
  ].join('\n');
}

export function renderTargets(checks) {
  return checks
    .map(({ target, value, pass }) => `  ${pass ? 'met   ' : 'MISSED'}  ${target}: ${value}`)
    .join('\n');
}
