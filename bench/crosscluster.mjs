// `npm run bench:crosscluster`: what a cross-cluster hop adds over a local one. Two clusters on
// loopback (lib/clusters.mjs), one caller sidecar in east, and in the same run, in alternating
// order round after round, with the same load generators: the upstream direct, a local HTTP hop
// (mTLS), a local bus hop, a cross-cluster bus hop and a cross-cluster HTTP hop through west's
// east-west gateway (the callee only in west). Results in
// bench/results/cross-cluster.{json,md,png}; see bench/README.md#cross-cluster-hop-npm-run-benchcrosscluster-issue-13.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeChart } from './lib/chart.mjs';
import { startClusters, startClusterSidecar } from './lib/clusters.mjs';
import { CALLER_SERVICE, CROSS_CLUSTER_ROWS, startPath } from './lib/cross-cluster-rows.mjs';
import {
  aggregateRounds,
  crossClusterHeadline,
  renderCpu,
  renderHeadline,
} from './lib/cross-cluster-results.mjs';
import { describeMachine } from './lib/machine.mjs';
import { measureAttempt } from './lib/measure.mjs';
import { answers200, freePort, waitFor } from './lib/net.mjs';
import { startStaticUpstream } from './lib/nginx.mjs';
import { killAllNow, stopAll } from './lib/processes.mjs';
import { processTree, rssBytes } from './lib/procfs.mjs';
import { waitForQuiet } from './lib/quiet.mjs';
import { summarize } from './lib/results.mjs';
import { renderTable } from './lib/table.mjs';
import { ensureTool } from './lib/tools.mjs';
import { waitForRoute, weftMissing } from './lib/weft.mjs';

const USAGE = `usage: node bench/crosscluster.mjs [options]   (npm run bench:crosscluster builds dist/ first)
  --rounds N       rounds; each measures every row once, every other round in reverse order, default 5
  --duration S     seconds of each row's saturation and fixed-rate runs per round, default 5
  --warmup S       seconds of unmeasured wrk load before each saturation run, default 2
  --rate N         requests per second of the fixed-rate runs, default 200
  --connections N  wrk connections for saturation, default 50
  --quiet-wait S   before each round, wait up to S seconds for the machine to be below 10% CPU, default 0
  --out NAME       results in bench/results/NAME.{json,md,png}, default cross-cluster`;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PROXY_CORE = 0;
const LOAD_CORE = cpus().length > 1 ? 1 : 0;
const READY_TIMEOUT_MS = 45_000;
const log = (line) => process.stderr.write(`[crosscluster] ${line}\n`);

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    rate: { type: 'string', default: '200' },
    connections: { type: 'string', default: '50' },
    'quiet-wait': { type: 'string', default: '0' },
    out: { type: 'string', default: 'cross-cluster' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const whole = (name) => {
  const value = Math.round(Number(values[name]));
  if (!(value >= 0)) {
    process.stderr.write(`--${name} must be a number\n${USAGE}\n`);
    process.exit(2);
  }
  return value;
};
const options = {
  rounds: Math.max(1, whole('rounds')),
  duration: Math.max(1, whole('duration')),
  warmup: whole('warmup'),
  rate: Math.max(1, whole('rate')),
  connections: Math.max(1, whole('connections')),
  quietWait: whole('quiet-wait'),
};
if (!/^[\w-]+$/.test(values.out)) {
  process.stderr.write(`--out must be a name (letters, digits, - and _)\n`);
  process.exit(2);
}

// The sidecars and the east-west gateway run on core 0; the load, the upstream, both nats-servers, both control planes and
// this script on core 1.
execFileSync('taskset', ['-a', '-p', '-c', String(LOAD_CORE), String(process.pid)], {
  stdio: 'ignore',
});
const workDir = mkdtempSync(join(tmpdir(), 'weft-crosscluster-'));
process.on('exit', () => {
  killAllNow();
  rmSync(workDir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => void stopAll().finally(() => process.exit(130)));
}

/** The 1-minute load average now, to two decimals. */
const load1 = () => Math.round(loadavg()[0] * 100) / 100;

/**
 * Starts the upstream, both clusters, the caller and every row's path; resolves to the run's
 * context and the rows as measureAttempt takes them (`{id, label, target, pids}`), direct first.
 */
async function setUp(tools) {
  const upstreamPort = await freePort();
  const upstream = startStaticUpstream({
    nginxPath: tools.nginx.path,
    workDir,
    core: LOAD_CORE,
    port: upstreamPort,
  });
  await waitFor('upstream', () => answers200(upstreamPort), READY_TIMEOUT_MS);
  log('starting east and west (nats-server, control plane each), linked…');
  const clusters = await startClusters({
    root: ROOT,
    natsPath: tools.nats.path,
    workDir,
    core: LOAD_CORE,
    loopDelayDir: join(workDir, 'loop-delay'),
  });
  const sidecar = (cluster, service) =>
    startClusterSidecar(cluster, { service, appPort: upstreamPort, core: PROXY_CORE });
  // The caller's own app is never called, but a sidecar is ready only once its app answers.
  const caller = await sidecar(clusters.east, CALLER_SERVICE);
  const paths = [];
  for (const row of CROSS_CLUSTER_ROWS) {
    log(`${row.label}: starting ${row.service} in ${row.cluster}…`);
    const { host, procs } = await startPath(row, {
      clusters,
      caller,
      upstreamPort,
      core: PROXY_CORE,
    });
    await waitForRoute(caller.outboundPort, host);
    paths.push({ row, host, procs });
  }
  const ctx = {
    loadCore: LOAD_CORE,
    tools,
    upstreamPid: upstream.pid,
    clusters,
  };
  const tree = (procs) => procs.flatMap((proc) => processTree(proc.pid));
  const natsPids = tree([clusters.east.nats, clusters.west.nats]);
  const controlPlanes = [clusters.east, clusters.west].flatMap((c) => c.procs.slice(1));
  const upstreamPids = processTree(upstream.pid);
  const rows = [
    {
      id: 'direct',
      label: 'direct (no proxy)',
      target: { procs: [], port: upstreamPort },
      // Every sidecar idles meanwhile, and counts as the bench's own.
      pids: {
        proxyPids: [],
        upstreamPids,
        backgroundPids: tree([...controlPlanes, caller.proc, ...paths.flatMap((p) => p.procs)]),
        busPids: natsPids,
      },
    },
    ...paths.map((path) => {
      const { row, host } = path;
      const procs = [caller.proc, ...path.procs];
      const idle = paths.filter((p) => p !== path).flatMap((p) => p.procs);
      return {
        id: row.id,
        label: row.label,
        host,
        target: { procs, port: caller.outboundPort, host },
        pids: {
          proxyPids: tree(procs),
          upstreamPids,
          // The control planes and the other rows' callees, idle meanwhile: the bench's own.
          backgroundPids: tree([...controlPlanes, ...idle]),
          busPids: natsPids,
        },
      };
    }),
  ];
  return { ctx, rows };
}

/** One round: every row once, in `order`; resolves to the round's summarized rows. */
async function measureRound(rows, ctx, n) {
  if (options.quietWait) await waitForQuiet(options.quietWait, log);
  const loadAverage = load1();
  const measured = [];
  for (const row of rows) {
    const figures = await measureAttempt(row.target, row.pids, { ctx, options });
    const rss = row.pids.proxyPids.length ? rssBytes(row.pids.proxyPids) : null;
    measured.push({
      id: row.id,
      label: row.label,
      figures: { ...figures, rss: { idle: null, load: rss }, attempts: 1 },
    });
    log(
      `round ${n} ${row.id}: ${Math.round(figures.saturation.rps)} rps, ` +
        `p50 ${Math.round(figures.fixedRate.p50)} µs, p99 ${Math.round(figures.fixedRate.p99)} µs, ` +
        `others ${Math.round(figures.fixedRate.othersCores * 100)}% of a core`,
    );
  }
  // Direct first in the summary: added latency is against it (lib/results.mjs).
  measured.sort((a, b) => (a.id === 'direct' ? -1 : b.id === 'direct' ? 1 : 0));
  return {
    round: n,
    order: rows.map((row) => row.id),
    loadAverage: { atStart: loadAverage, atEnd: load1() },
    rows: summarize(measured),
  };
}

async function main() {
  const tools = {
    wrk: ensureTool('wrk', 'wrk', log),
    nginx: ensureTool('nginx', 'nginx', log),
    nats: ensureTool('nats-server', 'nats-server', log),
  };
  for (const tool of Object.values(tools)) if (!tool.path) throw new Error(tool.note);
  const missing = weftMissing(ROOT, tools.nats.path);
  if (missing) throw new Error(missing);
  const machine = describeMachine(tools);
  const { ctx, rows } = await setUp(tools);

  const rounds = [];
  for (let n = 1; n <= options.rounds; n++) {
    // Every other round in reverse: no row always runs first, or always right after another.
    rounds.push(await measureRound(n % 2 ? rows : [...rows].reverse(), ctx, n));
  }
  machine.loadAverageAtEnd = loadavg().map((load) => Math.round(load * 100) / 100);

  const summary = aggregateRounds(rounds);
  const headline = crossClusterHeadline(rounds);
  const settings = {
    ...options,
    proxyCore: PROXY_CORE,
    loadCore: LOAD_CORE,
    upstream: 'nginx static return 200',
    namespace: 'default',
    clusters:
      'east and west on 127.0.0.1, west leaf-node-linked to east, west an east-west gateway; ' +
      'one shared root, an intermediate CA each; mTLS STRICT',
    rows: Object.fromEntries(rows.map((row) => [row.id, row.host ?? null])),
  };
  const json = { machine, settings, headline, rows: summary, rounds };
  const base = join(ROOT, 'bench/results', values.out);
  writeFileSync(`${base}.json`, `${JSON.stringify(json, null, 2)}\n`);
  writeChart(summary, machine, `${base}.png`);
  const loads = rounds.map((r) => r.loadAverage.atStart).join(', ');
  const text =
    `${machine.cpuModel} (${machine.cores} cores), Node ${machine.node}, ${machine.date}\n` +
    `sidecars and east-west gateway on core ${PROXY_CORE}; wrk, paced load, upstream, nats-servers and control planes ` +
    `on core ${LOAD_CORE}; ${options.rounds} rounds of ${options.duration} s per run; ` +
    `latency at ${options.rate} rps; load average ${machine.loadAverageAtStart[0]} at start, ` +
    `per round ${loads}, ${machine.loadAverageAtEnd[0]} at end\n\n` +
    `Medians over the rounds (CPU µs/req: the hop's proxies, both sidecars and on the gateway ` +
    `row the gateway):\n${renderTable(summary)}\n\n` +
    `${renderCpu(summary)}\n\n${renderHeadline(headline)}\n`;
  writeFileSync(`${base}.md`, `\`\`\`text\n${text}\`\`\`\n`);
  process.stdout.write(`\n${text}\nwritten: bench/results/${values.out}.{json,md,png}\n`);
}

try {
  await main();
} catch (err) {
  process.stderr.write(`crosscluster failed: ${err.stack ?? err}\n`);
  process.exitCode = 1;
} finally {
  await stopAll();
  rmSync(workDir, { recursive: true, force: true });
}
