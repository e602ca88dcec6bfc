// A/B of the 1-hop row on a busy machine: sidecars built from different trees (or run with
// different node options) side by side on the proxy core, measured in turns, so that whatever else
// the machine does falls on every variant alike. Per turn: CPU µs and bytes allocated per request.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startStaticUpstream } from './lib/nginx.mjs';
import { freePort, waitFor, canConnect } from './lib/net.mjs';
import { stopAll } from './lib/processes.mjs';
import { cpuSeconds, rssBytes } from './lib/procfs.mjs';
import { routedResources, ROUTED_SERVICE } from './lib/rows.mjs';
import { ensureTool } from './lib/tools.mjs';
import { applyResources, startMesh, startSidecar, waitForRoute } from './lib/weft.mjs';
import { runWrk } from './lib/wrk.mjs';

const USAGE = `usage: node bench/hotpath.mjs [--variant NAME=ROOT[,NODE_OPTION…]]… [--rounds N] [--seconds S]
  Each variant is a tree with dist/ built (and node_modules beside it); default: this tree as "this".
  Every round runs wrk (1 thread, 50 connections) on each variant's outbound port in turn.
  --keep leaves the work folder (the sidecars' logs) in place.
  Reported per variant: median CPU µs per request, bytes allocated per request (from
  --trace-gc-nvp), GC pause per request, idle RSS after start-up and peak RSS under load.`;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PROXY_CORE = 0;
const LOAD_CORE = 1;
const SETTLE_MS = Number(process.env.HOTPATH_SETTLE_MS ?? 2_000);
const RSS_SAMPLE_MS = 250;

const { values } = parseArgs({
  options: {
    variant: { type: 'string', multiple: true },
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    keep: { type: 'boolean' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const variants = (values.variant ?? [`this=${ROOT}`]).map((spec) => {
  const eq = spec.indexOf('=');
  const [name, rest] = [spec.slice(0, eq), spec.slice(eq + 1)];
  const [root, ...nodeArgs] = rest.split(',');
  return { name, root: resolve(root), nodeArgs, turns: [], peakRss: 0 };
});
const log = (line) => process.stderr.write(`[hotpath] ${line}\n`);
const workDir = mkdtempSync(join(tmpdir(), 'weft-hotpath-'));

/** What --trace-gc-nvp wrote to a log since `offset`: bytes allocated, GC pause ms, new offset. */
function gcSince(logFile, offset) {
  const text = readFileSync(logFile, 'utf8');
  let allocated = 0;
  let pauseMs = 0;
  for (const line of text.slice(offset).split('\n')) {
    const a = / allocated=(\d+)/.exec(line);
    if (a) allocated += Number(a[1]);
    const p = / pause=([\d.]+)/.exec(line);
    if (p) pauseMs += Number(p[1]);
  }
  return { allocated, pauseMs, offset: text.length };
}

function median(numbers) {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main() {
  const wrkPath = ensureTool('wrk', 'wrk', log).path;
  const nginxPath = ensureTool('nginx', 'nginx', log).path;
  const natsPath = ensureTool('nats-server', 'nats-server', log).path;
  const upstreamPort = await freePort();
  startStaticUpstream({ nginxPath, workDir, core: LOAD_CORE, port: upstreamPort });
  await waitFor('upstream', () => canConnect(upstreamPort), 10_000);
  const mesh = await startMesh({ root: ROOT, natsPath, workDir, core: LOAD_CORE });
  await applyResources(mesh, routedResources(upstreamPort));
  for (const v of variants) {
    const sidecar = await startSidecar(
      { ...mesh, root: v.root },
      {
        service: `caller-${v.name}`,
        appPort: upstreamPort,
        core: PROXY_CORE,
        nodeArgs: ['--trace-gc-nvp', ...v.nodeArgs],
      },
    );
    await waitForRoute(sidecar.outboundPort, ROUTED_SERVICE);
    Object.assign(v, { sidecar });
  }
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  for (const v of variants) v.idleRss = rssBytes([v.sidecar.proc.pid]);
  const load = (v, seconds) =>
    runWrk({
      core: LOAD_CORE,
      wrkPath,
      port: v.sidecar.outboundPort,
      host: ROUTED_SERVICE,
      connections: Number(values.connections),
      seconds,
    });
  for (const v of variants) await load(v, 2); // warm-up: JIT and pools
  const seconds = Number(values.seconds);
  for (let round = 0; round < Number(values.rounds); round++) {
    // Every other round in reverse: no variant always runs first after the pause between rounds.
    for (const v of round % 2 ? [...variants].reverse() : variants) {
      const pid = v.sidecar.proc.pid;
      const gcBefore = gcSince(v.sidecar.proc.logFile, 0);
      const cpuBefore = cpuSeconds([pid]);
      const sampler = setInterval(() => {
        v.peakRss = Math.max(v.peakRss, rssBytes([pid]));
      }, RSS_SAMPLE_MS);
      const { requests, errors } = await load(v, seconds);
      clearInterval(sampler);
      const cpu = cpuSeconds([pid]) - cpuBefore;
      const gc = gcSince(v.sidecar.proc.logFile, gcBefore.offset);
      const turn = {
        rps: requests / seconds,
        cpuUs: (cpu * 1e6) / requests,
        bytes: gc.allocated / requests,
        gcUs: (gc.pauseMs * 1e3) / requests,
        errors,
      };
      v.turns.push(turn);
      log(
        `round ${round + 1} ${v.name}: ${turn.rps.toFixed(0)} rps, ${turn.cpuUs.toFixed(1)} µs/req, ` +
          `${(turn.bytes / 1024).toFixed(1)} KiB/req, GC ${turn.gcUs.toFixed(1)} µs/req, ${errors} errors`,
      );
    }
  }
  const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
  const rows = variants.map((v) => ({
    variant: v.name,
    nodeArgs: v.nodeArgs.join(' '),
    rps: Math.round(median(v.turns.map((t) => t.rps))),
    cpuUsPerRequest: Number(median(v.turns.map((t) => t.cpuUs)).toFixed(1)),
    kibPerRequest: Number((median(v.turns.map((t) => t.bytes)) / 1024).toFixed(2)),
    gcUsPerRequest: Number(median(v.turns.map((t) => t.gcUs)).toFixed(1)),
    idleRssMiB: Number(mib(v.idleRss)),
    peakRssMiB: Number(mib(v.peakRss)),
  }));
  console.table(rows);
}

try {
  await main();
} catch (err) {
  process.stderr.write(`hotpath failed: ${err.stack ?? err}\n`);
  process.exitCode = 1;
} finally {
  await stopAll();
  if (values.keep) log(`logs kept in ${workDir}`);
  else rmSync(workDir, { recursive: true, force: true });
}
