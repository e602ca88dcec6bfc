// `npm run bench`: every proxy row against the same upstream on loopback, in one run — saturation
// (rps, CPU per request), fixed-rate latency and RSS — printed as a table and written to
// bench/results/latest.json and latest.png. See bench/README.md.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { busVersusHttp } from './lib/bus-row.mjs';
import { writeChart } from './lib/chart.mjs';
import { renderProfile, summarizeProfiles } from './lib/cpu-profile.mjs';
import { describeMachine } from './lib/machine.mjs';
import { measureRow } from './lib/measure.mjs';
import { mtlsVersusPlaintext, renderMtls } from './lib/mtls-rows.mjs';
import { answers200, freePort, waitFor } from './lib/net.mjs';
import { startStaticUpstream } from './lib/nginx.mjs';
import { readOptions, USAGE } from './lib/options.mjs';
import { killAllNow, logTail, runningNow, startPinned, stop, stopAll } from './lib/processes.mjs';
import { summarize } from './lib/results.mjs';
import { renderTable, renderTargets } from './lib/table.mjs';
import { checkTargets } from './lib/targets.mjs';
import { ensureTool } from './lib/tools.mjs';
import { startMesh, weftMissing } from './lib/weft.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS_DIR = join(ROOT, 'bench/results');
const PROFILES_DIR = join(RESULTS_DIR, 'profiles');
const READY_TIMEOUT_MS = 30_000;

const log = (line) => process.stderr.write(`[bench] ${line}\n`);

let options;
try {
  options = readOptions(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${err.message}\n${USAGE}\n`);
  process.exit(2);
}
if (options.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

// Core 0 runs the proxy under test; the load generators, the upstream, the mesh's nats-server and
// control plane, and this script run on core 1.
const proxyCore = 0;
const loadCore = cpus().length > 1 ? 1 : 0;
execFileSync('taskset', ['-a', '-p', '-c', String(loadCore), String(process.pid)], {
  stdio: 'ignore',
});

const workDir = mkdtempSync(join(tmpdir(), 'weft-bench-'));
let cleaningUp;
function cleanUp() {
  cleaningUp ??= stopAll().finally(() => rmSync(workDir, { recursive: true, force: true }));
  return cleaningUp;
}
process.on('exit', () => {
  killAllNow();
  rmSync(workDir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: stopping everything…`);
    cleanUp().finally(() => process.exit(130));
  });
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}

async function main() {
  const tools = {
    wrk: ensureTool('wrk', 'wrk', log),
    nginx: ensureTool('nginx', 'nginx', log),
    haproxy: ensureTool('haproxy', 'haproxy', log),
    caddy: ensureTool('caddy', 'caddy', log),
    nats: ensureTool('nats-server', 'nats-server', log),
  };
  if (!tools.wrk.path) throw new Error(`cannot measure without wrk: ${tools.wrk.note}`);
  const machine = describeMachine(tools);

  const ctx = { root: ROOT, workDir, tools, proxyCore, loadCore };
  if (options.cpuProf) {
    rmSync(PROFILES_DIR, { recursive: true, force: true });
    ctx.profileDir = (rowId) => join(PROFILES_DIR, rowId);
  }
  Object.assign(ctx, await startUpstream(ctx));
  log(`upstream: ${ctx.upstreamKind} on 127.0.0.1:${ctx.upstreamPort}`);

  const weftRows = options.rows.some((row) => row.id.startsWith('weft'));
  ctx.meshNote = weftRows ? weftMissing(ROOT, tools.nats.path) : undefined;
  if (weftRows && !ctx.meshNote) {
    try {
      ctx.mesh = await startMesh({
        root: ROOT,
        natsPath: tools.nats.path,
        workDir,
        core: loadCore,
      });
      // Every sidecar reports its event-loop delay over the fixed-rate run (lib/loop-delay.mjs).
      ctx.mesh.loopDelayDir = join(workDir, 'loop-delay');
    } catch (err) {
      ctx.meshNote = `mesh failed to start: ${err.message}`;
    }
  }

  const measured = [];
  const profiles = {};
  for (const row of options.rows) {
    measured.push(await runRow(row, ctx));
    const profileDir = ctx.profileDir?.(row.id);
    if (profileDir && existsSync(profileDir)) profiles[row.id] = summarizeProfiles(profileDir);
  }

  machine.loadAverageAtEnd = loadavg().map((load) => Math.round(load * 100) / 100);
  const rows = summarize(measured);
  const targets = checkTargets(rows);
  const settings = {
    durationSeconds: options.duration,
    warmupSeconds: options.warmup,
    fixedRateRps: options.rate,
    wrkConnections: options.connections,
    proxyCore,
    loadCore,
    upstream: ctx.upstreamKind,
    quietWaitSeconds: options.quietWait,
    attempts: options.attempts,
    cpuProfiled: options.cpuProf,
    // Whom the 1-hop mTLS rows' front presents itself as.
    mtlsClientIdentity: ctx.clientCertificate?.spiffeId,
  };
  // Figures taken under the profiler are not the proxies' own: they stay out of latest.*.
  const written = options.cpuProf
    ? ['bench/results/profiles/summary.json']
    : [`bench/results/${options.out}.json`, `bench/results/${options.out}.png`];
  const busVsHttp = busVersusHttp(rows);
  const mtlsVsPlaintext = mtlsVersusPlaintext(rows);
  const json = {
    machine,
    settings,
    rows,
    targets,
    busVsHttp,
    mtlsVsPlaintext,
    ...(options.cpuProf && { profiles }),
  };
  mkdirSync(dirname(join(ROOT, written[0])), { recursive: true });
  writeFileSync(join(ROOT, written[0]), `${JSON.stringify(json, null, 2)}\n`);
  if (!options.cpuProf) writeChart(rows, machine, join(ROOT, written[1]));

  process.stdout.write(
    `\n${machine.cpuModel} (${machine.cores} cores), Node ${machine.node}, ${machine.date}\n` +
      `proxy on core ${proxyCore}; wrk, paced load and upstream (${ctx.upstreamKind}) on core ${loadCore}; ` +
      `${options.duration} s per measurement; latency at ${options.rate} rps; ` +
      `load average ${machine.loadAverageAtStart[0]} at start, ${machine.loadAverageAtEnd[0]} at end\n\n` +
      `${renderTable(rows)}\n\nWeft targets (issues 4 and 6):\n${renderTargets(targets)}\n\n` +
      (busVsHttp ? `bus vs direct HTTP, same two sidecars: ${JSON.stringify(busVsHttp)}\n\n` : '') +
      (mtlsVsPlaintext ? `${renderMtls(mtlsVsPlaintext)}\n\n` : '') +
      `written: ${written.join(', ')}\n`,
  );
  for (const [rowId, summary] of Object.entries(profiles)) {
    process.stdout.write(
      `\nCPU profile of ${rowId} (bench/results/profiles/${rowId}/, figures above taken under the profiler):\n` +
        `${renderProfile(summary)}\n`,
    );
  }
}

/** The upstream on the load core: nginx's static 100 bytes, or node:http when nginx is missing. */
async function startUpstream(ctx) {
  const port = await freePort();
  const proc = ctx.tools.nginx.path
    ? startStaticUpstream({ nginxPath: ctx.tools.nginx.path, workDir, core: loadCore, port })
    : startPinned(
        'upstream',
        loadCore,
        process.execPath,
        [join(ROOT, 'bench/lib/node-upstream.mjs')],
        {
          env: { BENCH_PORT: String(port) },
          logFile: join(workDir, 'upstream.log'),
        },
      );
  await waitFor('upstream', () => answers200(port), READY_TIMEOUT_MS);
  return {
    upstreamPort: port,
    upstreamPid: proc.pid,
    upstreamKind: ctx.tools.nginx.path ? 'nginx static return 200' : 'node:http',
  };
}

/** Starts, measures and stops one row; a row that cannot run or fails is kept with a note. */
async function runRow(row, ctx) {
  const { id, label } = row;
  const missing = row.missing(ctx);
  if (missing) {
    log(`${label}: skipped (${missing})`);
    return { id, label, skipped: missing };
  }
  const before = runningNow();
  let target;
  try {
    log(`${label}: starting…`);
    target = await row.start(ctx);
    const headers = target.host ? { host: target.host } : {};
    await waitFor(label, () => answers200(target.port, headers), READY_TIMEOUT_MS);
    log(
      `${label}: measuring (${options.warmup} s warm-up, ${options.duration} s saturation, ${options.duration} s at ${target.rate ?? options.rate} rps)…`,
    );
    const figures = await measureRow(target, { ctx, options, log });
    log(
      `${label}: ${Math.round(figures.saturation.rps)} rps, p99 ${Math.round(figures.fixedRate.p99)} µs`,
    );
    return { id, label, figures };
  } catch (err) {
    log(`${label}: failed: ${err.message}`);
    for (const proc of runningNow())
      if (!before.has(proc)) log(`${proc.name} log:\n${logTail(proc)}`);
    return { id, label, skipped: `failed: ${err.message}` };
  } finally {
    target?.release?.();
    for (const proc of runningNow()) if (!before.has(proc)) await stop(proc);
  }
}
