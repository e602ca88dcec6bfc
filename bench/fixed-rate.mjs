// Where the fixed-rate p99 of a Weft row comes from: nginx and Weft sidecars (each variant's node
// options) loaded in turns at one fixed rate by the bench's open-loop generator, with every GC
// pause of each sidecar and of the generator itself on one clock, so a slow request can be laid
// beside the pauses it overlapped.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync, unlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gcPauses } from './lib/gc-pauses.mjs';
import { startNginxProxy, startStaticUpstream } from './lib/nginx.mjs';
import { freePort, waitFor, canConnect } from './lib/net.mjs';
import { runPaced } from './lib/paced-load.mjs';
import { killAllNow, stopAll } from './lib/processes.mjs';
import { waitForQuiet } from './lib/quiet.mjs';
import { routedResources, ROUTED_SERVICE } from './lib/rows.mjs';
import { ensureTool } from './lib/tools.mjs';
import { applyResources, startMesh, startSidecar, waitForRoute } from './lib/weft.mjs';

const USAGE = `usage: node bench/fixed-rate.mjs [--variant NAME[=NODE_OPTION,…]]… [--rate N] [--seconds S] [--rounds N]
  Loads nginx (a proxy in front of the same upstream) and one Weft sidecar per variant (this
  tree's dist/, the image's node options, then the variant's), in turns, at N requests a second
  (2000) for S seconds (10), rounds times (3), each turn after up to --quiet-wait seconds (60) for
  the machine to calm down. The generator runs here, pinned to core 1 with the upstream, as in
  npm run bench; the proxies on core 0. Per turn (latencies in µs): p50/p99/max, the other work
  on the cores and the load average, the GC pauses of the proxy and of the generator, and how
  many of the requests over the p99 overlapped one.`;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PROBE = join(ROOT, 'bench/lib/gc-probe.mjs');
const { values } = parseArgs({
  options: {
    variant: { type: 'string', multiple: true },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    'quiet-wait': { type: 'string', default: '60' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
// Interrupted: the processes it started end with it.
process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));
const log = (line) => process.stderr.write(`[fixed-rate] ${line}\n`);
const workDir = mkdtempSync(join(tmpdir(), 'weft-fixed-rate-'));
const generatorGc = gcPauses();

/** The sidecar's GC pauses since the previous call (its probe writes them on SIGUSR2). */
async function sidecarPauses(target) {
  if (!target.gcLog) return [];
  if (existsSync(target.gcLog)) unlinkSync(target.gcLog);
  process.kill(target.pid, 'SIGUSR2');
  await waitFor('GC log', () => existsSync(target.gcLog), 10_000);
  return JSON.parse(readFileSync(target.gcLog, 'utf8'));
}

/** How many of the requests over the p99 overlapped at least one of `pauses`. */
function overlapping(slow, pauses) {
  let n = 0;
  for (const { sent, end } of slow) {
    if (pauses.some((p) => p.at < end && p.at + p.ms > sent)) n++;
  }
  return n;
}

function summary(name, result, proxyPauses, generatorPauses) {
  const p99 = result.p99;
  const slow = [];
  for (let i = 0; i < result.sentAt.length; i++) {
    if (result.latency[i] > p99) {
      const sent = result.sentAt[i];
      slow.push({ sent, end: sent + result.latency[i] / 1000 });
    }
  }
  const kinds = (pauses, kind) => pauses.filter((p) => p.kind === kind);
  const maxMs = (pauses) => Math.max(0, ...pauses.map((p) => p.ms));
  const first = result.sentAt[0];
  const last = result.sentAt[result.sentAt.length - 1];
  const during = (pauses) => pauses.filter((p) => p.at >= first && p.at <= last);
  const proxy = during(proxyPauses);
  const generator = during(generatorPauses);
  return {
    target: name,
    p50: Math.round(result.p50),
    p99: Math.round(p99),
    max: Math.round(result.max),
    errors: result.errors,
    scavenges: kinds(proxy, 'scavenge').length,
    markCompacts: kinds(proxy, 'mark-compact').length,
    proxyGcMaxMs: Number(maxMs(proxy).toFixed(1)),
    generatorGcMaxMs: Number(maxMs(generator).toFixed(1)),
    overP99: slow.length,
    overProxyGc: overlapping(slow, proxy),
    overGeneratorGc: overlapping(slow, generator),
    // Of all requests, how many overlapped the proxy's GC: the rate by chance.
    allOverProxyGc: `${((100 * overlapping(all(result), proxy)) / result.sentAt.length).toFixed(1)}%`,
  };
}

function all(result) {
  return Array.from(result.sentAt, (sent, i) => ({ sent, end: sent + result.latency[i] / 1000 }));
}

async function main() {
  // The generator shares the load core with the upstream, as in npm run bench.
  execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  const nginxPath = ensureTool('nginx', 'nginx', log).path;
  const natsPath = ensureTool('nats-server', 'nats-server', log).path;
  const upstreamPort = await freePort();
  startStaticUpstream({ nginxPath, workDir, core: 1, port: upstreamPort });
  await waitFor('upstream', () => canConnect(upstreamPort), 10_000);
  const nginxPort = await freePort();
  startNginxProxy({ nginxPath, workDir, core: 0, port: nginxPort, upstreamPort });
  await waitFor('nginx proxy', () => canConnect(nginxPort), 10_000);
  const mesh = await startMesh({ root: ROOT, natsPath, workDir, core: 1 });
  await applyResources(mesh, routedResources(upstreamPort));
  const targets = [{ name: 'nginx', port: nginxPort }];
  for (const spec of values.variant ?? ['weft']) {
    const eq = spec.indexOf('=');
    const [name, options] = eq === -1 ? [spec, ''] : [spec.slice(0, eq), spec.slice(eq + 1)];
    const gcLog = join(workDir, `${name}.gc.json`);
    const sidecar = await startSidecar(mesh, {
      service: `caller-${name}`,
      appPort: upstreamPort,
      core: 0,
      nodeArgs: [`--import=${PROBE}`, ...options.split(',').filter(Boolean)],
      env: { BENCH_GC_LOG: gcLog },
    });
    await waitForRoute(sidecar.outboundPort, ROUTED_SERVICE);
    targets.push({
      name,
      port: sidecar.outboundPort,
      host: ROUTED_SERVICE,
      pid: sidecar.proc.pid,
      gcLog,
    });
  }
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const rows = [];
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const t of round % 2 ? [...targets].reverse() : targets) {
      const busy = await waitForQuiet(Number(values['quiet-wait']), log);
      await sidecarPauses(t);
      generatorGc.take();
      const result = await runPaced({ port: t.port, host: t.host, rate, seconds, timeline: true });
      const row = {
        ...summary(t.name, result, await sidecarPauses(t), generatorGc.take()),
        othersBusy: `${Math.round(busy * 100)}%`,
        load: Number(loadavg()[0].toFixed(1)),
      };
      rows.push(row);
      log(`round ${round + 1} ${JSON.stringify(row)}`);
    }
  }
  console.table(rows);
}

try {
  await main();
} catch (err) {
  process.stderr.write(`fixed-rate failed: ${err.stack ?? err}\n`);
  process.exitCode = 1;
} finally {
  await stopAll();
  rmSync(workDir, { recursive: true, force: true });
}
