// `npm run bench:kill`: how long a SIGKILLed sidecar stays in route tables. Kills a sidecar
// `--kills` times and measures, from the kill, until the control plane's /v1/endpoints and every
// observing sidecar's /v1/clusters have dropped it; once with the NATS disconnect advisories
// (system-account user) and once with the heartbeat TTL alone. Results: bench/results/kill.{json,md}.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeMachine } from './lib/machine.mjs';
import { get, waitFor } from './lib/net.mjs';
import { quantile } from './lib/paced-load.mjs';
import { killAllNow, stop, stopAll } from './lib/processes.mjs';
import { ensureTool } from './lib/tools.mjs';
import { startMesh, startSidecar, weftMissing } from './lib/weft.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'bench/results');
const GOAL_MS = 1_000;
const POLL_MS = 5;
const GONE_TIMEOUT_MS = 60_000;
const SYS = { user: 'sys', password: 'bench-sys' };
// The mesh in APP (clients without credentials land there), the control plane's follower in SYS.
const ACCOUNTS = `
accounts {
  APP: { jetstream: enabled, users: [{ user: app, password: bench-app }] }
  SYS: { users: [{ user: ${SYS.user}, password: ${SYS.password} }] }
}
system_account: SYS
no_auth_user: app
`;
const MODES = {
  events: {
    label: 'disconnect advisories',
    env: { WEFT_NATS_SYSTEM_USER: SYS.user, WEFT_NATS_SYSTEM_PASSWORD: SYS.password },
  },
  ttl: { label: 'heartbeat TTL only', env: {} },
};

const USAGE = `usage: npm run bench:kill -- [options]
  --kills N        SIGKILLs per mode, default 20
  --observers N    sidecars whose route tables must drop the victim, default 3
  --modes LIST     events,ttl (default both): with the system-account follower, or the TTL alone
  --heartbeat-ms N heartbeat interval of sidecars and control plane, default 1000 (Weft's default)
  --misses N       heartbeats missed before expiry, default 3 (Weft's default)`;

const log = (line) => process.stderr.write(`[bench:kill] ${line}\n`);

const { values: args } = parseArgs({
  options: {
    kills: { type: 'string', default: '20' },
    observers: { type: 'string', default: '3' },
    modes: { type: 'string', default: 'events,ttl' },
    'heartbeat-ms': { type: 'string', default: '1000' },
    misses: { type: 'string', default: '3' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const kills = Number(args.kills);
const observers = Number(args.observers);
const modes = args.modes.split(',').map((m) => m.trim());
const timing = {
  WEFT_HEARTBEAT_INTERVAL_MS: String(Number(args['heartbeat-ms'])),
  WEFT_HEARTBEAT_MISSES: String(Number(args.misses)),
};
if (!(kills > 0 && observers > 0) || modes.some((m) => !MODES[m])) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}

const workDir = mkdtempSync(join(tmpdir(), 'weft-bench-kill-'));
process.on('exit', () => {
  killAllNow();
  rmSync(workDir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => void stopAll().finally(() => process.exit(130)));
}

// Every process may use every core: this measures reaction time, not per-request CPU.
const allCores = `0-${cpus().length - 1}`;

try {
  await main();
} catch (err) {
  process.stderr.write(`bench:kill failed: ${err.stack ?? err}\n`);
  process.exitCode = 1;
} finally {
  await stopAll();
}

async function main() {
  const nats = ensureTool('nats-server', 'nats-server', log);
  const missing = weftMissing(ROOT, nats.path);
  if (missing) throw new Error(missing);
  const machine = describeMachine({ nats });
  const app = createServer((_req, res) => res.end('ok'));
  await new Promise((done) => app.listen(0, '127.0.0.1', done));
  const appPort = app.address().port;
  const results = {};
  try {
    for (const mode of modes) results[mode] = await runMode(mode, nats.path, appPort);
  } finally {
    app.close();
  }
  const summary = Object.fromEntries(
    Object.entries(results).map(([mode, samples]) => [mode, summarize(samples)]),
  );
  const json = {
    machine,
    settings: { kills, observers, ...timing, pollMs: POLL_MS, goalMs: GOAL_MS },
    summary,
    samples: results,
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'kill.json'), `${JSON.stringify(json, null, 2)}\n`);
  const table = renderTable(summary, machine);
  writeFileSync(join(RESULTS, 'kill.md'), `${table}\n`);
  process.stdout.write(`\n${table}\nwritten: bench/results/kill.json, bench/results/kill.md\n`);
}

/** One mesh per mode: its own nats-server, control plane and observers; `kills` victims. */
async function runMode(mode, natsPath, appPort) {
  log(`${MODES[mode].label}: starting nats-server, control plane and ${observers} observers…`);
  const mesh = await startMesh({
    root: ROOT,
    natsPath,
    workDir: join(workDir, mode),
    core: allCores,
    natsConfig: ACCOUNTS,
    controlPlaneEnv: { ...timing, ...MODES[mode].env },
  });
  const sidecarEnv = timing;
  const watchers = [];
  for (let i = 0; i < observers; i++) {
    watchers.push(
      await startSidecar(mesh, {
        service: `observer-${i}`,
        appPort,
        core: allCores,
        env: sidecarEnv,
      }),
    );
  }
  const samples = [];
  try {
    for (let k = 0; k < kills; k++) {
      const victim = await startSidecar(mesh, {
        service: 'victim',
        appPort,
        core: allCores,
        env: sidecarEnv,
      });
      await waitFor(
        `observers to route to ${victim.instanceId}`,
        async () => (await Promise.all(watchers.map((w) => calls(w, victim)))).every(Boolean),
        30_000,
      );
      const sample = await killAndWatch(mesh, watchers, victim);
      samples.push(sample);
      log(
        `${MODES[mode].label}: kill ${k + 1}/${kills}: control plane ${sample.controlPlaneMs} ms, ` +
          `every route table ${sample.routeTablesMs} ms`,
      );
    }
  } finally {
    for (const proc of [...watchers.map((w) => w.proc), ...mesh.procs.slice().reverse()])
      await stop(proc);
  }
  return samples;
}

/**
 * True when this observer routes to the victim: it calls `victim` (a sidecar follows only the
 * Services its app calls, so an observer is a caller), then its cluster must list this instance.
 */
async function calls(watcher, victim) {
  await get(watcher.outboundPort, '/', { host: 'victim' }).catch(() => undefined);
  return lists(watcher, victim);
}

/** True when this observer's cluster `default/victim` lists the victim. */
async function lists(watcher, victim) {
  const { body } = await get(watcher.adminPort, '/v1/clusters');
  const cluster = JSON.parse(body).clusters.find((c) => c.name === 'default/victim');
  return Boolean(cluster?.endpoints.some((e) => e.instanceId === victim.instanceId));
}

async function killAndWatch(mesh, watchers, victim) {
  const start = performance.now();
  victim.proc.child.kill('SIGKILL');
  const elapsed = () => Math.round(performance.now() - start);
  const until = async (gone) => {
    for (;;) {
      if (await gone()) return elapsed();
      if (performance.now() - start > GONE_TIMEOUT_MS) throw new Error('victim never left');
      await sleep(POLL_MS);
    }
  };
  const inEndpoints = async () => {
    const { items } = JSON.parse((await get(mesh.adminPort, '/v1/endpoints', mesh.adminAuth)).body);
    const set = items.find((s) => s.service === 'victim');
    return !set?.endpoints.some((e) => e.instanceId === victim.instanceId);
  };
  const [controlPlaneMs, ...observed] = await Promise.all([
    until(inEndpoints),
    ...watchers.map((w) => until(async () => !(await lists(w, victim)))),
  ]);
  await victim.proc.exited;
  return { controlPlaneMs, routeTablesMs: Math.max(...observed), observersMs: observed };
}

function summarize(samples) {
  const figures = (key) => {
    const sorted = samples.map((s) => s[key]).sort((a, b) => a - b);
    return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1) };
  };
  return {
    kills: samples.length,
    controlPlaneMs: figures('controlPlaneMs'),
    routeTablesMs: figures('routeTablesMs'),
  };
}

function renderTable(summary, machine) {
  const rows = Object.entries(summary).map(([mode, s]) => {
    const met = s.routeTablesMs.p99 <= GOAL_MS ? 'met' : 'missed';
    return `| ${MODES[mode].label} | ${s.kills} | ${s.controlPlaneMs.p50} | ${s.controlPlaneMs.p99} | ${s.routeTablesMs.p50} | ${s.routeTablesMs.p99} | ${met} |`;
  });
  return [
    `SIGKILL of a sidecar → gone from every route table (${machine.cpuModel}, ${machine.cores} cores, ` +
      `Node ${machine.node}, nats-server ${machine.natsServer}, ${machine.date}; heartbeat ` +
      `${timing.WEFT_HEARTBEAT_INTERVAL_MS} ms × ${timing.WEFT_HEARTBEAT_MISSES}, ${observers} observers, ` +
      `polled every ${POLL_MS} ms)`,
    '',
    '| detection | kills | control plane p50 ms | p99 ms | every route table p50 ms | p99 ms | goal p99 ≤ 1 s |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows,
  ].join('\n');
}
