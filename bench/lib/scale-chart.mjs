// Draws bench:scale's convergence (apply → last ACK, p50 and p99 per proxy count, against the
// issue's targets) as an SVG and renders it to PNG with @resvg/resvg-js, like the main chart.
import { writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';

const WIDTH = 900;
const HEIGHT = 520;
const PLOT = { left: 90, top: 110, width: 760, height: 330 };
const FONT = 'DejaVu Sans, Arial, sans-serif';
const COLORS = { p50: '#8a9bb0', p99: '#1f7a8c', target: '#c0392b' };

const escape = (text) =>
  String(text).replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c],
  );

/** `results`: bench/results/scale.json's content; `targets`: proxies → p99 target in ms. */
export function writeScaleChart(results, targets, pngPath) {
  const rows = results.rows.filter((r) => r.p99Ms !== null && r.p99Ms !== undefined);
  const max = Math.max(1, ...rows.map((r) => r.maxMs ?? r.p99Ms), ...Object.values(targets));
  const y = (ms) => PLOT.top + PLOT.height - (ms / max) * PLOT.height;
  const group = PLOT.width / Math.max(1, results.rows.length);
  const bar = Math.min(60, group / 3);
  const parts = [];
  for (let t = 0; t <= 4; t++) {
    const ms = Math.round((max * t) / 4);
    parts.push(
      `<line x1="${PLOT.left}" x2="${PLOT.left + PLOT.width}" y1="${y(ms)}" y2="${y(ms)}" stroke="#e3e7ec"/>`,
      `<text x="${PLOT.left - 8}" y="${y(ms) + 4}" font-size="12" text-anchor="end">${ms} ms</text>`,
    );
  }
  results.rows.forEach((r, i) => {
    const x = PLOT.left + i * group + group / 2;
    parts.push(
      `<text x="${x}" y="${PLOT.top + PLOT.height + 22}" font-size="14" text-anchor="middle">${r.proxies.toLocaleString('en-US')} proxies</text>`,
    );
    if (r.p99Ms === null || r.p99Ms === undefined) {
      parts.push(
        `<text x="${x}" y="${PLOT.top + PLOT.height - 10}" font-size="12" text-anchor="middle">${escape(r.note ?? 'not reached')}</text>`,
      );
    } else {
      for (const [k, key] of [
        [-1, 'p50'],
        [0, 'p99'],
      ]) {
        const value = r[`${key}Ms`];
        const left = x + k * bar;
        parts.push(
          `<rect x="${left}" y="${y(value)}" width="${bar - 4}" height="${PLOT.top + PLOT.height - y(value)}" fill="${COLORS[key]}"/>`,
          `<text x="${left + (bar - 4) / 2}" y="${y(value) - 6}" font-size="12" text-anchor="middle">${value}</text>`,
        );
      }
    }
    const target = targets[r.proxies];
    if (target) {
      parts.push(
        `<line x1="${x - group / 2 + 10}" x2="${x + group / 2 - 10}" y1="${y(target)}" y2="${y(target)}" stroke="${COLORS.target}" stroke-width="2" stroke-dasharray="6 4"/>`,
        `<text x="${x + group / 2 - 10}" y="${y(target) - 6}" font-size="12" text-anchor="end" fill="${COLORS.target}">target p99 ≤ ${target} ms</text>`,
      );
    }
  });
  const { machine, settings, controlPlaneIdle } = results;
  const subtitle =
    `${settings.services} Services, ${settings.endpoints} endpoints; control plane ${controlPlaneIdle.rssMiB} MiB RSS; ` +
    `${machine.cores} cores, ${machine.date.slice(0, 10)}, ` +
    `load average ${machine.loadAverageAtStart[0]} → ${machine.loadAverageAtEnd[0]}`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="${FONT}" fill="#1d2630">
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="20" y="32" font-size="20" font-weight="bold">Weft config convergence: apply → last proxy ACK</text>
<text x="20" y="56" font-size="13" fill="#555">${escape(subtitle)}</text>
<rect x="20" y="72" width="14" height="14" fill="${COLORS.p50}"/><text x="40" y="84" font-size="13">p50</text>
<rect x="90" y="72" width="14" height="14" fill="${COLORS.p99}"/><text x="110" y="84" font-size="13">p99</text>
${parts.join('\n')}
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
