// Where the 1-hop row's per-request allocations come from: one sidecar under wrk with V8's sampling
// heap profiler on (bench/lib/allocation-probe.mjs), collected objects included; prints bytes per
// request by function (self) and by module, top first.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startStaticUpstream } from './lib/nginx.mjs';
import { freePort, waitFor, canConnect } from './lib/net.mjs';
import { stopAll } from './lib/processes.mjs';
import { routedResources, ROUTED_SERVICE } from './lib/rows.mjs';
import { ensureTool } from './lib/tools.mjs';
import { applyResources, startMesh, startSidecar, waitForRoute } from './lib/weft.mjs';
import { runWrk } from './lib/wrk.mjs';

const USAGE = `usage: node bench/allocations.mjs [--root TREE] [--seconds S] [--top N]
  Loads one sidecar (built in TREE, default this tree) through its outbound port for S seconds
  (10) with the sampling heap profiler on, and prints the top N (25) modules, functions and Weft's
  own functions by bytes allocated per request (lines are the bundle's, dist/apps/sidecar/0.main.js).`;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PROBE = join(ROOT, 'bench/lib/allocation-probe.mjs');
const { values } = parseArgs({
  options: {
    root: { type: 'string', default: ROOT },
    seconds: { type: 'string', default: '10' },
    top: { type: 'string', default: '25' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const log = (line) => process.stderr.write(`[allocations] ${line}\n`);
const workDir = mkdtempSync(join(tmpdir(), 'weft-allocations-'));

/** Self bytes of every node of a sampling heap profile, keyed by `label(node)`. */
function selfBytes(profile, label) {
  const totals = new Map();
  const walk = (node) => {
    const self = node.selfSize ?? 0;
    if (self > 0) {
      const key = label(node.callFrame);
      totals.set(key, (totals.get(key) ?? 0) + self);
    }
    for (const child of node.children ?? []) walk(child);
  };
  walk(profile.head);
  return [...totals].sort((a, b) => b[1] - a[1]);
}

/** Where a frame's code lives: a package, a node: module, Weft's bundle, or V8 itself. */
function moduleOf({ url }) {
  if (!url) return '(V8 / native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:');
  if (url.includes('/dist/apps/')) return 'weft';
  return url;
}

async function main() {
  const wrkPath = ensureTool('wrk', 'wrk', log).path;
  const nginxPath = ensureTool('nginx', 'nginx', log).path;
  const natsPath = ensureTool('nats-server', 'nats-server', log).path;
  const upstreamPort = await freePort();
  startStaticUpstream({ nginxPath, workDir, core: 1, port: upstreamPort });
  await waitFor('upstream', () => canConnect(upstreamPort), 10_000);
  const mesh = await startMesh({ root: ROOT, natsPath, workDir, core: 1 });
  await applyResources(mesh, routedResources(upstreamPort));
  const profileFile = join(workDir, 'allocations.heapprofile');
  const sidecar = await startSidecar(
    { ...mesh, root: resolve(values.root) },
    {
      service: 'caller',
      appPort: upstreamPort,
      core: 0,
      nodeArgs: [`--import=${PROBE}`],
      env: { BENCH_ALLOCATION_PROFILE: profileFile },
    },
  );
  await waitForRoute(sidecar.outboundPort, ROUTED_SERVICE);
  const load = (seconds) =>
    runWrk({
      core: 1,
      wrkPath,
      port: sidecar.outboundPort,
      host: ROUTED_SERVICE,
      connections: 50,
      seconds,
    });
  await load(3); // warm-up: JIT and pools
  process.kill(sidecar.proc.pid, 'SIGUSR2');
  await new Promise((r) => setTimeout(r, 500));
  const { requests } = await load(Number(values.seconds));
  process.kill(sidecar.proc.pid, 'SIGUSR2');
  await waitFor('heap profile', () => existsSync(profileFile), 30_000);
  const profile = JSON.parse(readFileSync(profileFile, 'utf8'));
  const total = selfBytes(profile, () => 'all')[0][1];
  const top = Number(values.top);
  const perRequest = (bytes) => (bytes / requests).toFixed(0).padStart(7);
  const print = (title, rows) => {
    console.log(`\n${title}\n${'B/req'.padStart(7)}  where`);
    for (const [key, bytes] of rows.slice(0, top)) console.log(`${perRequest(bytes)}  ${key}`);
  };
  console.log(
    `${requests} requests, ${(total / requests / 1024).toFixed(2)} KiB sampled per request`,
  );
  print('by module', selfBytes(profile, moduleOf));
  const byFunction = selfBytes(
    profile,
    (f) => `${f.functionName || '(anonymous)'} ${moduleOf(f)}:${f.lineNumber + 1}`,
  );
  print('by function', byFunction);
  print(
    "Weft's own functions",
    byFunction.filter(([key]) => / weft:\d+$/.test(key)),
  );
}

try {
  await main();
} catch (err) {
  process.stderr.write(`allocations failed: ${err.stack ?? err}\n`);
  process.exitCode = 1;
} finally {
  await stopAll();
  rmSync(workDir, { recursive: true, force: true });
}
