// Writes the committed summary of a `--cpu-prof` run's row (default weft-1hop) as Markdown: the
// run's figures and the top functions and modules by self time once the sidecar proxies (its
// start-up, which the profile also holds, left out).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarizeProfiles } from './lib/cpu-profile.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PROFILES = join(ROOT, 'bench/results/profiles');
/** The first call of this (the upstream's answer reaching a try) is where proxying begins. */
const FIRST_PROXIED = 'onResponseStart';

const [rowId = 'weft-1hop', out = join(ROOT, `bench/results/profile-${rowId}.md`)] =
  process.argv.slice(2);
const run = JSON.parse(readFileSync(join(PROFILES, 'summary.json'), 'utf8'));
const row = run.rows.find((r) => r.id === rowId);
const nginx = run.rows.find((r) => r.id === 'nginx');
const summary = summarizeProfiles(join(PROFILES, rowId), { after: FIRST_PROXIED, top: 30 });
const table = (items) => [
  '| self time | function or module |',
  '| --------: | ------------------ |',
  ...items.map(({ name, share }) => `| ${share} % | \`${name}\` |`),
];
const others = Math.max(row.otherWorkCores.saturation, row.otherWorkCores.fixedRate);
const lines = [
  `# CPU profile of \`${rowId}\``,
  '',
  `\`npm run bench -- --rows ${rowId}${nginx ? ',nginx' : ''} --cpu-prof\`, then \`node bench/profile-summary.mjs ${rowId}\`.`,
  `${run.machine.cpuModel} (${run.machine.cores} cores), Node ${run.machine.node}, ${run.machine.date}, ` +
    `load average ${run.machine.loadAverageAtStart[0]} at start.`,
  `Under the profiler: ${row.rps} rps, ${row.cpuUsPerRequest} CPU µs per request` +
    (nginx ? ` (nginx ${nginx.cpuUsPerRequest} µs in the same run)` : '') +
    `; other work on the machine used ${Math.round(others * 100)} % of a core.`,
  '',
  `${summary.totalMs} ms of non-idle CPU, from the first \`${FIRST_PROXIED}\` on (start-up left out).`,
  '',
  '## By module',
  '',
  ...table(summary.modules),
  '',
  '## By function',
  '',
  ...table(summary.functions),
  '',
];
writeFileSync(out, lines.join('\n'));
process.stdout.write(`written: ${out}\n`);
