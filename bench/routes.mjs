// Route lookup benchmark: the compiled table's lookup with 10 and 10,000 HTTPRoutes on one
// Service, against a linear scan of the same matchers, one process per size, pinned to one core.
// Results: bench/results/routes.{json,md}.
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
const { 'route-lookup': script } = await buildSim(ROOT, ['route-lookup'], join(ROOT, 'dist/bench'));
const rows = SIZES.map((routes) => {
  // taskset keeps the measurement on one core when it exists; plain node otherwise.
  const pinned = hasTaskset() ? ['taskset', ['-c', '1', 'node', script]] : ['node', [script]];
  const stdout = execFileSync(pinned[0], pinned[1], {
    env: { ...process.env, ROUTES: String(routes) },
    encoding: 'utf8',
  });
  return JSON.parse(stdout.trim().split('\n').pop());
});
const table = [
  '| routes | compile (ms) | lookup, index (ns) | lookup, linear scan (ns) |',
  '| -----: | -----------: | -----------------: | -----------------------: |',
  ...rows.map(
    (r) =>
      `| ${r.routes.toLocaleString('en')} | ${r.compileMs.toFixed(1)} | ${r.indexNs.toFixed(0)} | ${r.scanNs.toFixed(0)} |`,
  ),
].join('\n');
console.log(table);
mkdirSync(RESULTS, { recursive: true });
const machine = describeMachine({});
writeFileSync(join(RESULTS, 'routes.json'), `${JSON.stringify({ machine, rows }, null, 2)}\n`);
writeFileSync(join(RESULTS, 'routes.md'), `${table}\n`);

function hasTaskset() {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
