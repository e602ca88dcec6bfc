// `npm run bench:scale`: config convergence at scale. One nats-server, the real control plane,
// 1,000 Services with 10,000 heartbeating instances, and N simulated proxies (bench/sim) that follow
// the Services they call with the proxy's DestinationSync and ACK. For each N: time from an apply to
// the last ACK (p50/p99 over `--applies`), control-plane CPU and RSS. Results: bench/results/scale.*
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { buildSim } from './lib/build-sim.mjs';
import { renderProfile, summarizeProfiles } from './lib/cpu-profile.mjs';
import { describeMachine } from './lib/machine.mjs';
import { get, waitFor } from './lib/net.mjs';
import { quantile } from './lib/paced-load.mjs';
import { killAllNow, stopAll } from './lib/processes.mjs';
import { cpuSeconds, rssBytes } from './lib/procfs.mjs';
import { writeScaleChart } from './lib/scale-chart.mjs';
import { ensureTool } from './lib/tools.mjs';
import { startMesh, weftMissing } from './lib/weft.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'bench/results');
const MIB = 2 ** 20;
// Issue 5's targets.
const TARGETS = { 1000: 100, 5000: 500 };
const RSS_TARGET_MIB = 300;

const USAGE = `usage: npm run bench:scale -- [options]
  --proxies LIST      simulated proxy counts, ascending, default 100,1000,5000
  --applies N         measured applies per count, default 10
  --services N        Services, default 1000
  --per-service N     heartbeating instances per Service, default 10 (10,000 endpoints)
  --procs N           simulator processes the proxies are spread over, default 4
  --per-connection N  simulated proxies sharing one NATS connection, default 1 (like real proxies)
  --calls N           Services each simulated proxy calls (and follows), default 3
  --hot               every simulated proxy also calls svc-0, the Service each apply changes
  --heartbeat-ms N    heartbeat interval of the instances and the control plane, default 1000
  --ack-timeout S     seconds an apply may wait for its last ACK, default 30
  --budget S          seconds a proxy count may take to start its proxies, default 300
  --cpu-prof          run the control plane under node --cpu-prof: profile in
                      bench/results/profiles/scale/, self time printed; results/scale.* untouched`;

const log = (line) => process.stderr.write(`[bench:scale] ${line}\n`);

const { values: args } = parseArgs({
  options: {
    proxies: { type: 'string', default: '100,1000,5000' },
    applies: { type: 'string', default: '10' },
    services: { type: 'string', default: '1000' },
    'per-service': { type: 'string', default: '10' },
    procs: { type: 'string', default: '4' },
    'per-connection': { type: 'string', default: '1' },
    calls: { type: 'string', default: '3' },
    hot: { type: 'boolean', default: false },
    'heartbeat-ms': { type: 'string', default: '1000' },
    'ack-timeout': { type: 'string', default: '30' },
    budget: { type: 'string', default: '300' },
    'cpu-prof': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const opts = {
  proxies: args.proxies.split(',').map(Number),
  applies: Number(args.applies),
  services: Number(args.services),
  perService: Number(args['per-service']),
  procs: Number(args.procs),
  perConnection: Number(args['per-connection']),
  calls: Number(args.calls),
  heartbeatMs: Number(args['heartbeat-ms']),
  ackTimeoutMs: Number(args['ack-timeout']) * 1000,
  budgetMs: Number(args.budget) * 1000,
};
// The profiler costs CPU: a profiled run prints where the time goes, not figures to keep.
const profileDir = args['cpu-prof'] ? join(RESULTS, 'profiles/scale') : undefined;
if (
  Object.values(opts)
    .flat()
    .some((v) => !(v > 0))
) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}

const workDir = mkdtempSync(join(tmpdir(), 'weft-bench-scale-'));
const children = [];
/** Pids of the simulator processes hosting proxies (their CPU is where fan-out lands too). */
const proxyPids = [];
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  killAllNow();
  rmSync(workDir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => void stopAll().finally(() => process.exit(130)));
}

async function main() {
  const nats = ensureTool('nats-server', 'nats-server', log);
  const missing = weftMissing(ROOT, nats.path);
  if (missing) throw new Error(missing);
  const machine = describeMachine({ nats });
  log('building the simulator (bench/sim)…');
  const sim = await buildSim(
    ROOT,
    ['config-subscribers', 'instance-heartbeats'],
    // Inside the repo, so the bundles' external imports resolve from its node_modules.
    join(ROOT, 'dist/bench'),
  );
  const timing = { WEFT_HEARTBEAT_INTERVAL_MS: String(opts.heartbeatMs) };
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  const mesh = await startMesh({
    root: ROOT,
    natsPath: nats.path,
    workDir,
    core: `0-${cpus().length - 1}`,
    controlPlaneEnv: timing,
    controlPlaneNodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  });
  const cpPid = mesh.controlPlane.pid;
  const natsUrl = `nats://127.0.0.1:${mesh.natsPort}`;

  log(`applying ${opts.services} Services…`);
  await apply(mesh, servicesYaml(opts.services));
  log(`starting ${opts.services * opts.perService} heartbeating instances…`);
  await startSim(sim['instance-heartbeats'], undefined, {
    NATS_URL: natsUrl,
    SIM_SERVICES: String(opts.services),
    SIM_PER_SERVICE: String(opts.perService),
    ...timing,
  });
  const endpoints = opts.services * opts.perService;
  await waitFor(
    `${endpoints} endpoints published`,
    async () => (await endpointCount(mesh)) === endpoints,
    120_000,
  );
  const idle = await sampleCp(cpPid, 10_000);
  log(
    `control plane with ${endpoints} endpoints: ${mib(idle.rss)} MiB RSS, ` +
      `${pct(idle.cpuShare)} of a core (heartbeats alone)`,
  );

  const nc = await connect({ servers: natsUrl, name: 'weft-bench-scale' });
  const acks = new AckCollector(nc);
  const rows = [];
  let started = 0;
  for (const n of opts.proxies) {
    const row = { proxies: n };
    rows.push(row);
    log(`${n} proxies: starting ${n - started} more simulated proxies…`);
    const t0 = performance.now();
    try {
      started = await addProxies(sim['config-subscribers'], natsUrl, started, n);
    } catch (err) {
      row.note = `reached ${started} of ${n} proxies: ${err.message}`;
      log(row.note);
      break;
    }
    row.startSeconds = Math.round((performance.now() - t0) / 100) / 10;
    await sleep(2_000);
    const natsPid = mesh.procs[0].pid;
    const cpuBefore = cpuSeconds([cpPid]);
    const natsBefore = cpuSeconds([natsPid]);
    const proxiesBefore = cpuSeconds(proxyPids);
    const tApplies = performance.now();
    let rssPeak = rssBytes([cpPid]);
    const times = [];
    const answered = [];
    const firstAcks = [];
    const lastSent = [];
    let incomplete = 0;
    for (let k = 0; k < opts.applies; k++) {
      const begin = performance.now();
      const beginEpoch = Date.now();
      let revision;
      try {
        revision = (await apply(mesh, routeYaml(k))).revision;
      } catch (err) {
        // An overloaded control plane refusing an apply is a result too, not a reason to stop.
        incomplete++;
        row.note = err.message;
        log(`${n} proxies: ${err.message}`);
        // As a client honouring retry-after would: one lease gap must not refuse every apply.
        await sleep(1_000);
        continue;
      }
      const applied = performance.now();
      const last = await acks.waitFor(revision, n, opts.ackTimeoutMs);
      rssPeak = Math.max(rssPeak, rssBytes([cpPid]));
      if (last.count < n) {
        incomplete++;
        log(`${n} proxies: revision ${revision}: only ${last.count} ACKs within the timeout`);
        continue;
      }
      times.push(Math.round(last.at - begin));
      answered.push(Math.round(applied - begin));
      firstAcks.push(Math.round(last.first - begin));
      lastSent.push(last.sentAt - beginEpoch);
      await sleep(500);
    }
    const seconds = (performance.now() - tApplies) / 1000;
    const sorted = [...times].sort((a, b) => a - b);
    const median = (list) =>
      quantile(
        [...list].sort((a, b) => a - b),
        0.5,
      ) ?? null;
    Object.assign(row, {
      // Where the time goes: the control plane answering the apply, then the first proxy's ACK.
      applyAnsweredP50Ms: median(answered),
      firstAckP50Ms: median(firstAcks),
      // The proxies' own clock stamp on the last ACK: what is left to the last-ACK time is transit.
      lastAckSentP50Ms: median(lastSent),
      applies: times.length,
      incomplete,
      p50Ms: quantile(sorted, 0.5) ?? null,
      p99Ms: quantile(sorted, 0.99) ?? null,
      maxMs: sorted.at(-1) ?? null,
      cpCpuShare: (cpuSeconds([cpPid]) - cpuBefore) / seconds,
      natsCpuShare: (cpuSeconds([natsPid]) - natsBefore) / seconds,
      proxiesCpuShare: (cpuSeconds(proxyPids) - proxiesBefore) / seconds,
      cpRssMiB: mib(rssPeak),
    });
    log(
      `${n} proxies: apply → last ACK p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms (answered ` +
        `${row.applyAnsweredP50Ms} ms, first ACK ${row.firstAckP50Ms} ms, last ACK sent ` +
        `${row.lastAckSentP50Ms} ms); control plane ` +
        `${pct(row.cpCpuShare)} of a core, ${row.cpRssMiB} MiB; nats-server ${pct(row.natsCpuShare)}, ` +
        `simulated proxies ${pct(row.proxiesCpuShare)}`,
    );
  }
  await nc.close();

  const json = {
    // Other work on a shared machine slows every figure: the load says how much there was.
    machine: { ...machine, loadAverageAtEnd: loadavg().map((l) => round(l, 2)) },
    settings: { ...opts, hot: args.hot, endpoints },
    controlPlaneIdle: { rssMiB: mib(idle.rss), cpuShare: round(idle.cpuShare, 2) },
    rows: rows.map((r) => ({
      ...r,
      cpCpuShare: round(r.cpCpuShare, 2),
      natsCpuShare: round(r.natsCpuShare, 2),
      proxiesCpuShare: round(r.proxiesCpuShare, 2),
    })),
  };
  const table = renderTable(json);
  if (profileDir) {
    process.stdout.write(`\n${table}\n(profiled run: results/scale.* left alone)\n`);
    return;
  }
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'scale.json'), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(RESULTS, 'scale.md'), `${table}\n`);
  writeScaleChart(json, TARGETS, join(RESULTS, 'scale.png'));
  process.stdout.write(`\n${table}\nwritten: bench/results/scale.json, scale.md, scale.png\n`);
}

/** Starts simulator processes until `to` proxies watch; resolves to the count started. */
async function addProxies(file, natsUrl, from, to) {
  const deadline = performance.now() + opts.budgetMs;
  const per = Math.ceil((to - from) / opts.procs);
  const starts = [];
  for (let first = from; first < to; first += per) {
    const count = Math.min(per, to - first);
    starts.push(
      startSim(
        file,
        proxyPids,
        {
          NATS_URL: natsUrl,
          SIM_FIRST: String(first),
          SIM_COUNT: String(count),
          SIM_PER_CONNECTION: String(opts.perConnection),
          SIM_CALLS: String(opts.calls),
          SIM_SERVICES: String(opts.services),
          SIM_HOT: args.hot ? '1' : '0',
        },
        deadline - performance.now(),
      ),
    );
  }
  await Promise.all(starts);
  return to;
}

/** Spawns a bundled simulator (its pid added to `pids`); resolves once it prints `ready`. */
function startSim(file, pids, env, timeoutMs = 120_000) {
  const child = spawn(process.execPath, ['--max-old-space-size=4096', file], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  pids?.push(child.pid);
  return new Promise((resolveReady, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not ready within ${timeoutMs} ms`)),
      timeoutMs,
    );
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('ready')) {
        clearTimeout(timer);
        resolveReady();
      }
    });
    child.once('exit', (code) => reject(new Error(`simulator exited (${code})`)));
  });
}

/** Counts ACKs per revision from the ACK subjects; `waitFor` resolves at the n-th or at timeout. */
class AckCollector {
  constructor(nc) {
    this.byRevision = new Map();
    // Subjects.proxyAckAll with the default prefix (the bench cannot import the TypeScript).
    nc.subscribe('weft.v1.proxy.*.*.*.ack', {
      callback: (_err, msg) => {
        const at = performance.now();
        const ack = JSON.parse(msg.string());
        if (ack.status !== 'ACK') return;
        const entry = this.byRevision.get(ack.revision) ?? {
          proxies: new Set(),
          first: at,
          at,
          sentAt: 0,
        };
        entry.proxies.add(ack.proxyId);
        entry.at = at;
        entry.sentAt = Math.max(entry.sentAt, ack.sentAt);
        this.byRevision.set(ack.revision, entry);
      },
    });
  }

  async waitFor(revision, n, timeoutMs) {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const entry = this.byRevision.get(revision);
      if (entry?.proxies.size >= n || performance.now() > deadline) {
        return {
          count: entry?.proxies.size ?? 0,
          first: entry?.first ?? 0,
          at: entry?.at ?? 0,
          sentAt: entry?.sentAt ?? 0,
        };
      }
      await sleep(5);
    }
  }
}

/** CPU share and RSS of the control plane over `ms`. */
async function sampleCp(pid, ms) {
  const cpu = cpuSeconds([pid]);
  await sleep(ms);
  return { cpuShare: (cpuSeconds([pid]) - cpu) / (ms / 1000), rss: rssBytes([pid]) };
}

function apply(mesh, yaml) {
  return new Promise((done, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: mesh.adminPort,
        path: '/v1/apply',
        method: 'POST',
        headers: { 'content-type': 'application/yaml', ...mesh.adminAuth },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () =>
          res.statusCode === 200
            ? done(JSON.parse(body))
            : reject(new Error(`apply: ${res.statusCode} ${body}`)),
        );
      },
    );
    req.once('error', reject);
    req.end(yaml);
  });
}

async function endpointCount(mesh) {
  const { items } = JSON.parse((await get(mesh.adminPort, '/v1/endpoints', mesh.adminAuth)).body);
  return items.reduce((sum, set) => sum + set.endpoints.length, 0);
}

function servicesYaml(n) {
  const docs = [];
  for (let s = 0; s < n; s++) {
    docs.push(
      `apiVersion: v1\nkind: Service\nmetadata: { name: svc-${s}, namespace: bench }\nspec: { selector: { app: svc-${s} } }`,
    );
  }
  return docs.join('\n---\n');
}

/**
 * The k-th apply: svc-0's HTTPRoute changes (a header match); its callers get its bundle, every
 * proxy the revision's marker.
 */
function routeYaml(k) {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: svc-0-route, namespace: bench }
spec:
  parentRefs: [{ kind: Service, name: svc-0 }]
  rules:
    - matches: [{ headers: [{ name: x-apply, value: "${k}" }] }]
      backendRefs: [{ name: svc-1 }]
    - backendRefs: [{ name: svc-0 }]
`;
}

function round(v, d = 0) {
  return v === undefined || v === null ? null : Math.round(v * 10 ** d) / 10 ** d;
}

function mib(bytes) {
  return round(bytes / MIB, 1);
}

function pct(share) {
  return `${Math.round(share * 100)}%`;
}

function renderTable({ machine, settings, controlPlaneIdle, rows }) {
  const target = (r) => {
    const ms = TARGETS[r.proxies];
    if (!ms) return '—';
    if (r.p99Ms === null || r.p99Ms === undefined) return `p99 ≤ ${ms} ms: not reached`;
    return `p99 ≤ ${ms} ms: ${r.p99Ms <= ms ? 'met' : 'missed'}`;
  };
  const lines = rows.map((r) =>
    r.note && r.applies === undefined
      ? `| ${r.proxies} | ${r.note} | | | | | | | | | | |`
      : `| ${r.proxies} | ${r.applies} (${r.incomplete} timed out) | ${r.applyAnsweredP50Ms ?? '—'} | ${r.firstAckP50Ms ?? '—'} | ${r.p50Ms ?? '—'} | ${r.p99Ms ?? '—'} | ${r.maxMs ?? '—'} | ${pct(r.cpCpuShare)} | ${r.cpRssMiB} | ${pct(r.natsCpuShare)} | ${pct(r.proxiesCpuShare)} | ${target(r)} |`,
  );
  return [
    `Config convergence at scale (${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, ` +
      `nats-server ${machine.natsServer}, ${machine.date}, load average ${machine.loadAverageAtStart[0]} ` +
      `at start and ${machine.loadAverageAtEnd[0]} at end): ${settings.services} Services, ` +
      `${settings.endpoints} endpoints heartbeating every ${settings.heartbeatMs} ms; each simulated ` +
      `proxy calls ${settings.calls} Services${settings.hot ? ' and svc-0, the one each apply changes' : ''}; control plane ` +
      `with only the heartbeats: ${controlPlaneIdle.rssMiB} MiB RSS (target ≤ ${RSS_TARGET_MIB} MiB: ` +
      `${controlPlaneIdle.rssMiB <= RSS_TARGET_MIB ? 'met' : 'missed'}), ${pct(controlPlaneIdle.cpuShare)} of a core.`,
    '',
    '| proxies | applies measured | apply answered p50 ms | first ACK p50 ms | apply → last ACK p50 ms | p99 ms | max ms | control plane CPU | control plane RSS peak MiB | nats-server CPU | simulated proxies CPU | target |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...lines,
  ].join('\n');
}

// Last, once every class and helper above is initialized.
try {
  await main();
} catch (err) {
  process.stderr.write(`bench:scale failed: ${err.stack ?? err}\n`);
  process.exitCode = 1;
} finally {
  for (const child of children) child.kill('SIGTERM');
  await stopAll();
  // The control plane writes its profile as it exits.
  if (profileDir && existsSync(profileDir))
    process.stdout.write(
      `\ncontrol plane CPU profile (${profileDir}):\n${renderProfile(summarizeProfiles(profileDir))}\n`,
    );
}
