// Draws the results as an SVG bar chart (rps and CPU µs per request per row) and renders it to PNG
// with @resvg/resvg-js (prebuilt binaries, no native build).
import { writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';

const WIDTH = 1000;
const LABEL_WIDTH = 260;
const VALUE_WIDTH = 170;
const BAR_HEIGHT = 26;
const BAR_GAP = 10;
const PANEL_GAP = 30;
const HEADER_HEIGHT = 90;
const FONT = 'DejaVu Sans, Arial, sans-serif';
const COLORS = { weft: '#1f7a8c', reference: '#8a9bb0' };

const escape = (text) =>
  String(text).replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c],
  );

const color = (row) => (row.id.startsWith('weft') ? COLORS.weft : COLORS.reference);

/** One panel of horizontal bars; returns `{svg, height}`. */
function panel({ title, rows, value, format, top }) {
  const max = Math.max(...rows.map(value), 1);
  const scale = (WIDTH - LABEL_WIDTH - VALUE_WIDTH - 20) / max;
  const parts = [
    `<text x="20" y="${top + 18}" font-size="17" font-weight="bold">${escape(title)}</text>`,
  ];
  rows.forEach((row, i) => {
    const y = top + 32 + i * (BAR_HEIGHT + BAR_GAP);
    const v = value(row);
    const width = Math.max(1, v * scale);
    parts.push(
      `<text x="${LABEL_WIDTH - 10}" y="${y + 18}" font-size="14" text-anchor="end">${escape(row.label)}</text>`,
      v > 0
        ? `<rect x="${LABEL_WIDTH}" y="${y}" width="${width}" height="${BAR_HEIGHT}" fill="${color(row)}"/>`
        : '',
      `<text x="${LABEL_WIDTH + width + 8}" y="${y + 18}" font-size="14">${escape(format(row))}</text>`,
    );
  });
  return { svg: parts.join('\n'), height: 32 + rows.length * (BAR_HEIGHT + BAR_GAP) };
}

/**
 * Writes the chart of the proxied rows to `pngPath`: skipped rows are left out, and direct (no
 * proxy) is quoted in the subtitle rather than drawn, as its bar would dwarf every proxy's.
 */
export function writeChart(rows, machine, pngPath) {
  const proxied = rows.filter((row) => !row.skipped && row.id !== 'direct');
  const direct = rows.find((row) => row.id === 'direct' && !row.skipped);
  const subtitle = [
    `${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, ${machine.date.slice(0, 10)}`,
    'proxy pinned to core 0; wrk and upstream on core 1' +
      (direct ? `; direct (no proxy): ${direct.rps.toLocaleString('en-US')} rps` : ''),
  ];
  const rps = panel({
    title: 'Saturation throughput, requests/s (wrk, 50 connections) — higher is better',
    rows: proxied,
    value: (row) => row.rps,
    format: (row) =>
      row.rps.toLocaleString('en-US') +
      (row.ratioToNginx === null || row.id === 'nginx' ? '' : ` (${row.ratioToNginx}× nginx)`),
    top: HEADER_HEIGHT,
  });
  const cpu = panel({
    title: 'Proxy CPU per request, µs (user + system) — lower is better',
    rows: proxied,
    value: (row) => row.cpuUsPerRequest,
    format: (row) => `${row.cpuUsPerRequest} µs`,
    top: HEADER_HEIGHT + rps.height + PANEL_GAP,
  });
  // The NATS servers a bus hop crosses, when rows measured them (the cross-cluster bench).
  const busRows = proxied.filter((row) => typeof row.busCpuUsPerRequest === 'number');
  const bus = busRows.length
    ? panel({
        title: 'nats-servers CPU per request, µs (user + system) — lower is better',
        rows: busRows,
        value: (row) => row.busCpuUsPerRequest,
        format: (row) => `${row.busCpuUsPerRequest} µs`,
        top: HEADER_HEIGHT + rps.height + PANEL_GAP + cpu.height + PANEL_GAP,
      })
    : { svg: '', height: -PANEL_GAP };
  const height = HEADER_HEIGHT + rps.height + PANEL_GAP + cpu.height + PANEL_GAP + bus.height + 20;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="${FONT}" fill="#1d2630">
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="20" y="30" font-size="21" font-weight="bold">Weft benchmark: proxy throughput and cost on loopback (100-byte responses)</text>
<text x="20" y="52" font-size="13" fill="#555">${escape(subtitle[0])}</text>
<text x="20" y="70" font-size="13" fill="#555">${escape(subtitle[1])}</text>
${rps.svg}
${cpu.svg}
${bus.svg}
</svg>`;
  const png = new Resvg(svg, {
    background: '#ffffff',
    fitTo: { mode: 'width', value: WIDTH * 1.5 },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  })
    .render()
    .asPng();
  writeFileSync(pngPath, png);
}
