// Route lookup benchmark: the compiled table's lookup with 10 and 10,000 HTTPRoutes on one
// Service, against a linear scan of the same matchers, one process per size, pinned to one core.
// Then one whole-value regex match per engine (bench/sim/regex-match.ts). Results: bench/results/routes.{json,md}.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSim } from './lib/build-sim.mjs';
import { describeMachine } from './lib/machine.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'bench/results');
const SIZES = [10, 10_000];

// Inside the repo, so the bundle's external imports resolve from its node_modules.
const { 'route-lookup': script, 'regex-match': regexScript } = await buildSim(
  ROOT,
  ['route-lookup', 'regex-match'],
  join(ROOT, 'dist/bench'),
);
/** Runs a bench process pinned to one core (taskset when it exists) and parses its JSON line. */
function runPinned(file, env = {}) {
  const pinned = hasTaskset() ? ['taskset', ['-c', '1', 'node', file]] : ['node', [file]];
  const stdout = execFileSync(pinned[0], pinned[1], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return JSON.parse(stdout.trim().split('\n').pop());
}

const rows = SIZES.map((routes) => runPinned(script, { ROUTES: String(routes) }));
const table = [
  '| routes | compile (ms) | lookup, index (ns) | lookup, linear scan (ns) |',
  '| -----: | -----------: | -----------------: | -----------------------: |',
  ...rows.map(
    (r) =>
      `| ${r.routes.toLocaleString('en')} | ${r.compileMs.toFixed(1)} | ${r.indexNs.toFixed(0)} | ${r.scanNs.toFixed(0)} |`,
  ),
].join('\n');
const regex = runPinned(regexScript);
const ns = (v) => (v === null ? 'stalls' : v.toFixed(0));
const regexTable = [
  `| pattern | value | ${regex.engines.map((e) => `${e} (ns)`).join(' | ')} |`,
  `| --- | --- | ${regex.engines.map(() => '---:').join(' | ')} |`,
  ...regex.rows.map(
    (r) =>
      `| \`${r.pattern}\` | \`${r.value}\` | ${regex.engines.map((e) => ns(r.ns[e])).join(' | ')} |`,
  ),
].join('\n');
console.log(`${table}\n\n${regexTable}`);
mkdirSync(RESULTS, { recursive: true });
const machine = describeMachine({});
writeFileSync(
  join(RESULTS, 'routes.json'),
  `${JSON.stringify({ machine, rows, regex }, null, 2)}\n`,
);
writeFileSync(join(RESULTS, 'routes.md'), `${table}\n\n${regexTable}\n`);

function hasTaskset() {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
