// `npm run demo`: a full mesh on this machine — NATS, the control plane, and two demo services
// (`web` calling `api`) with two instances each, every instance behind its own sidecar — then
// examples/full-mesh applied (80/20 split of `api` between v1 and v2) and commands to try printed.
// Ctrl-C stops everything in order: sidecars (drain), demo apps, control plane, nats-server.
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ensureNats, freePort, isPortFree } from './find-nats.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CONTROL_PLANE_MAIN = join(ROOT, 'dist/apps/control-plane/main.js');
const SIDECAR_MAIN = join(ROOT, 'dist/apps/sidecar/main.js');
const CLI_MAIN = join(ROOT, 'dist/apps/cli/main.js');
const DEMO_APP = join(ROOT, 'examples/demo-service/server.mjs');
const MANIFEST_DIR = join(ROOT, 'examples/full-mesh');

const HOST = '127.0.0.1';
const DEFAULT_CONTROL_PLANE_PORT = 15010;
const READY_TIMEOUT_MS = 30_000;
const CONVERGE_TIMEOUT_MS = 30_000;
const POLL_MS = 200;
// A sidecar drains for WEFT_DRAIN_GRACE_MS (2 s) plus in-flight requests; the rest stop at once.
const SIDECAR_STOP_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;
const SPLIT_SAMPLE = 100;
const LOG_TAIL_LINES = 15;

/** The demo's workloads: `web` calls `api`; `api` runs v1 and v2 side by side. */
const INSTANCES = [
  { service: 'web', id: 'web-1', version: 'v1', upstream: 'api' },
  { service: 'web', id: 'web-2', version: 'v1', upstream: 'api' },
  { service: 'api', id: 'api-1', version: 'v1' },
  { service: 'api', id: 'api-2', version: 'v2' },
];

const say = (line) => process.stdout.write(`[weft] ${line}\n`);
const warn = (line) => process.stderr.write(`[weft] !! ${line}\n`);

/** Every process the demo started, in start order. */
const children = [];
let nats;
let natsStarting;
let workDir;
let shuttingDown;
let somethingDied = false;

class DemoError extends Error {}

// ---------------------------------------------------------------------------------------------
// Child processes

function startNode(name, role, script, env, logFile) {
  if (shuttingDown) throw new DemoError('stopping');
  const fd = openSync(logFile, 'a');
  // detached: own process group, so a Ctrl-C in the terminal reaches only this script, which then
  // stops the children in order (sidecars must drain while NATS and the control plane still run).
  const child = spawn(process.execPath, [script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  closeSync(fd);
  const entry = { name, role, child, logFile, stopping: false, exit: undefined };
  entry.exited = new Promise((done) => {
    child.once('exit', (code, signal) => {
      entry.exit = signal ?? `exit code ${code}`;
      if (!entry.stopping && !shuttingDown) {
        somethingDied = true;
        warn(`${name} exited unexpectedly (${entry.exit}); its log: ${logFile}`);
      }
      done();
    });
  });
  child.once('error', (err) => warn(`cannot start ${name}: ${err.message}`));
  children.push(entry);
  return entry;
}

async function stopGroup(entries, timeoutMs) {
  await Promise.all(
    entries.map(async (entry) => {
      if (entry.exit !== undefined) return;
      entry.stopping = true;
      entry.child.kill('SIGTERM');
      const timer = setTimeout(() => {
        warn(`${entry.name} did not stop within ${timeoutMs / 1000} s; killing it`);
        entry.child.kill('SIGKILL');
      }, timeoutMs);
      await entry.exited;
      clearTimeout(timer);
    }),
  );
}

function logTail(file) {
  try {
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-LOG_TAIL_LINES);
    return lines.map((line) => `    | ${line}`).join('\n');
  } catch {
    return '    (no log)';
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP

/** One HTTP exchange; resolves `{status, headers, text, json}` or rejects on a network error. */
function http(method, url, { body, headers = {}, timeoutMs = 5_000 } = {}) {
  return new Promise((done, fail) => {
    const req = request(url, { method, headers, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('error', fail);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        done({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', fail);
    req.end(body);
  });
}

/** Polls `url` until it answers 200; fails early, with the log tail, if `entry` exits. */
async function waitReady(entry, url) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer yet';
  for (;;) {
    if (shuttingDown) throw new DemoError('stopping');
    if (entry.exit !== undefined) {
      throw new DemoError(
        `${entry.name} exited during start-up (${entry.exit}); last lines of ${entry.logFile}:\n` +
          logTail(entry.logFile),
      );
    }
    try {
      const res = await http('GET', url, { timeoutMs: 2_000 });
      if (res.status === 200) return;
      last = `${res.status} ${res.text.slice(0, 300)}`;
    } catch (err) {
      last = err.message;
    }
    if (Date.now() > deadline) {
      throw new DemoError(
        `${entry.name} was not ready within ${READY_TIMEOUT_MS / 1000} s (GET ${url}: ${last}); ` +
          `last lines of ${entry.logFile}:\n${logTail(entry.logFile)}`,
      );
    }
    await sleep(POLL_MS);
  }
}

// ---------------------------------------------------------------------------------------------
// The demo

function checkBuilt() {
  const missing = [CONTROL_PLANE_MAIN, SIDECAR_MAIN].filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new DemoError(
      `${missing.map((f) => f.slice(ROOT.length + 1)).join(' and ')} not found: ` +
        'run `npm run build` first (or use `npm run demo`, which builds).',
    );
  }
}

async function controlPlanePort() {
  if (await isPortFree(DEFAULT_CONTROL_PLANE_PORT)) return DEFAULT_CONTROL_PLANE_PORT;
  const port = await freePort();
  say(`port ${DEFAULT_CONTROL_PLANE_PORT} is busy; the control plane uses ${port} instead`);
  return port;
}

/** Free ports for every listener of every instance, all different. */
async function allocatePorts() {
  const taken = new Set();
  const next = async () => {
    for (;;) {
      const port = await freePort();
      if (!taken.has(port)) {
        taken.add(port);
        return port;
      }
    }
  };
  for (const inst of INSTANCES) {
    inst.ports = {
      app: await next(),
      inbound: await next(),
      outbound: await next(),
      admin: await next(),
    };
  }
}

async function startWorkload(inst, natsUrl, logDir, stateDir) {
  const { ports } = inst;
  const app = startNode(
    `${inst.id} app`,
    'app',
    DEMO_APP,
    {
      NAME: inst.service,
      VERSION: inst.version,
      INSTANCE: inst.id,
      PORT: String(ports.app),
      ...(inst.upstream
        ? { UPSTREAM_SERVICE: inst.upstream, OUTBOUND_PORT: String(ports.outbound) }
        : { UPSTREAM_SERVICE: '' }),
    },
    join(logDir, `${inst.id}-app.log`),
  );
  const sidecar = startNode(
    `${inst.id} sidecar`,
    'sidecar',
    SIDECAR_MAIN,
    {
      NATS_URL: natsUrl,
      WEFT_MODE: 'sidecar',
      WEFT_NAMESPACE: 'default',
      WEFT_SERVICE: inst.service,
      WEFT_INSTANCE_ID: inst.id,
      WEFT_LABELS: `version=${inst.version}`,
      WEFT_APP_PORT: String(ports.app),
      WEFT_APP_ADDRESS: HOST,
      WEFT_INBOUND_PORT: String(ports.inbound),
      WEFT_OUTBOUND_PORT: String(ports.outbound),
      WEFT_ADMIN_PORT: String(ports.admin),
      WEFT_BIND_ADDRESS: HOST,
      WEFT_ADVERTISE_ADDRESS: HOST,
      WEFT_STATE_DIR: join(stateDir, inst.id),
    },
    join(logDir, `${inst.id}-sidecar.log`),
  );
  await Promise.all([
    waitReady(app, `http://${HOST}:${ports.app}/readyz`),
    waitReady(sidecar, `http://${HOST}:${ports.admin}/readyz`),
  ]);
  say(
    `${inst.id} ready: ${inst.service} ${inst.version}, app :${ports.app}, sidecar inbound ` +
      `:${ports.inbound} outbound :${ports.outbound} admin :${ports.admin}`,
  );
}

function readManifests() {
  const files = readdirSync(MANIFEST_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  if (files.length === 0) throw new DemoError(`no YAML files in ${MANIFEST_DIR}`);
  return {
    files,
    text: files.map((f) => readFileSync(join(MANIFEST_DIR, f), 'utf8')).join('\n---\n'),
  };
}

async function apply(cpUrl) {
  const { files, text } = readManifests();
  say(`applying examples/full-mesh/{${files.join(',')}} via POST ${cpUrl}/v1/apply…`);
  const res = await http('POST', `${cpUrl}/v1/apply`, {
    body: text,
    headers: { 'content-type': 'application/yaml', 'x-weft-author': 'npm-run-demo' },
    timeoutMs: 15_000,
  });
  if (res.status === 422 && Array.isArray(res.json)) {
    const lines = res.json.map((e) => `  ${e.resource} ${e.path}: ${e.message}`);
    throw new DemoError(`the control plane rejected examples/full-mesh:\n${lines.join('\n')}`);
  }
  if (res.status !== 200 || typeof res.json?.revision !== 'number') {
    throw new DemoError(`POST /v1/apply answered ${res.status}: ${res.text.slice(0, 500)}`);
  }
  for (const r of res.json.results ?? []) say(`  ${r.resource}: ${r.action}`);
  say(`applied as revision ${res.json.revision}`);
  return res.json.revision;
}

/** Waits until every demo sidecar reports an ACK of `revision` (or later) in GET /v1/proxies. */
async function waitConverged(cpUrl, revision) {
  const deadline = Date.now() + CONVERGE_TIMEOUT_MS;
  let pending = INSTANCES.map((i) => i.id);
  let items = [];
  while (pending.length > 0) {
    if (shuttingDown) throw new DemoError('stopping');
    try {
      const res = await http('GET', `${cpUrl}/v1/proxies`, { timeoutMs: 2_000 });
      items = res.json?.items ?? [];
    } catch {
      // the next poll tells
    }
    const byId = new Map(items.map((p) => [p.id, p]));
    pending = INSTANCES.map((i) => i.id).filter((id) => {
      const p = byId.get(id);
      return !(p && p.status === 'ACK' && typeof p.revision === 'number' && p.revision >= revision);
    });
    const nacked = items.filter((p) => p.status === 'NACK');
    if (nacked.length > 0) {
      throw new DemoError(
        `proxies rejected the config: ${nacked.map((p) => `${p.id}: ${p.error}`).join('; ')}`,
      );
    }
    if (pending.length === 0) break;
    if (Date.now() > deadline) {
      const seen = items.map((p) => `${p.id} ${p.status ?? '-'}@${p.revision ?? '-'}`).join(', ');
      throw new DemoError(
        `sidecars ${pending.join(', ')} did not ACK revision ${revision} within ` +
          `${CONVERGE_TIMEOUT_MS / 1000} s (GET /v1/proxies: ${seen || 'none'})`,
      );
    }
    await sleep(POLL_MS);
  }
  say(`all ${INSTANCES.length} sidecars ACKed revision ${revision}`);
}

/** The endpoint sets the demo expects once every instance is registered and the YAML applied. */
function expectedEndpoints() {
  const ids = (match) =>
    INSTANCES.filter(match)
      .map((i) => i.id)
      .sort();
  return {
    web: ids((i) => i.service === 'web'),
    api: ids((i) => i.service === 'api'),
    'api-v1': ids((i) => i.service === 'api' && i.version === 'v1'),
    'api-v2': ids((i) => i.service === 'api' && i.version === 'v2'),
  };
}

/**
 * Waits until GET /v1/endpoints lists every instance in its Services. An instance joins its
 * endpoint sets with its first `ready` heartbeat, which can come a heartbeat interval after its
 * sidecar's /readyz turned green; until then a share of the calls would get 503 no_endpoints.
 */
async function waitEndpoints(cpUrl) {
  const expected = expectedEndpoints();
  const deadline = Date.now() + CONVERGE_TIMEOUT_MS;
  let missing = Object.keys(expected);
  while (missing.length > 0) {
    if (shuttingDown) throw new DemoError('stopping');
    let sets = [];
    try {
      sets = (await http('GET', `${cpUrl}/v1/endpoints`, { timeoutMs: 2_000 })).json?.items ?? [];
    } catch {
      // the next poll tells
    }
    const got = Object.fromEntries(
      sets.map((s) => [s.service, (s.endpoints ?? []).map((e) => e.instanceId).sort()]),
    );
    missing = Object.entries(expected)
      .filter(([service, ids]) => JSON.stringify(got[service]) !== JSON.stringify(ids))
      .map(([service]) => service);
    if (missing.length === 0) break;
    if (Date.now() > deadline) {
      const detail = missing
        .map(
          (svc) =>
            `${svc}: [${got[svc]?.join(', ') ?? ''}], expected [${expected[svc].join(', ')}]`,
        )
        .join('; ');
      throw new DemoError(`endpoints incomplete after ${CONVERGE_TIMEOUT_MS / 1000} s: ${detail}`);
    }
    await sleep(POLL_MS);
  }
  const summary = Object.entries(expected)
    .map(([svc, ids]) => `${svc} [${ids.join(', ')}]`)
    .join(', ');
  say(`endpoints: ${summary}`);
}

/** Calls through every web sidecar until each has reached both api versions (its endpoint watch caught up). */
async function waitMeshAnswers() {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (const inst of INSTANCES.filter((i) => i.upstream)) {
    const seen = new Set();
    let last = 'no answer yet';
    while (seen.size < 2) {
      if (shuttingDown) throw new DemoError('stopping');
      try {
        const res = await http('GET', `http://${HOST}:${inst.ports.outbound}/`, {
          headers: { host: 'api' },
        });
        if (res.status === 200 && res.json?.version) seen.add(res.json.version);
        else last = `${res.status} ${res.text.slice(0, 300)}`;
      } catch (err) {
        last = err.message;
      }
      if (seen.size < 2 && Date.now() > deadline) {
        throw new DemoError(
          `${inst.id}'s sidecar did not reach both api versions within ` +
            `${READY_TIMEOUT_MS / 1000} s (seen: ${[...seen].join(', ') || 'none'}; last: ${last})`,
        );
      }
      if (seen.size < 2) await sleep(20);
    }
  }
  const res = await http('GET', `http://${HOST}:${INSTANCES[0].ports.outbound}/`, {
    headers: { host: 'web' },
  });
  const { json } = res;
  if (res.status !== 200 || json?.upstream?.service !== 'api') {
    throw new DemoError(`web → api answered ${res.status}: ${res.text.slice(0, 500)}`);
  }
  say(
    `mesh answers: web-1's sidecar → ${json.instance} (web) → its sidecar → ` +
      `${json.upstream.instance} (api ${json.upstream.version})`,
  );
}

async function sampleSplit(outboundPort) {
  const counts = {};
  for (let i = 0; i < SPLIT_SAMPLE; i++) {
    try {
      const res = await http('GET', `http://${HOST}:${outboundPort}/`, {
        headers: { host: 'api' },
      });
      const key = res.status === 200 ? (res.json?.version ?? '?') : `HTTP ${res.status}`;
      counts[key] = (counts[key] ?? 0) + 1;
    } catch (err) {
      counts[err.message] = (counts[err.message] ?? 0) + 1;
    }
  }
  const summary = Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  say(`${SPLIT_SAMPLE} calls to api: ${summary} (the route asks for v1 80 / v2 20)`);
}

function onPath(command) {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => existsSync(join(dir, command)));
}

function printTryIt(cpPort, natsUrl, logDir) {
  const web1 = INSTANCES[0].ports.outbound;
  const cp = `http://${HOST}:${cpPort}`;
  const lines = [
    '',
    'The mesh is up. Try, in another terminal:',
    '',
    '  # web → api through the sidecars: "upstream" is the api instance that web reached',
    `  curl -s -H 'Host: web' http://${HOST}:${web1}/`,
    "  # the same, with web-1's sidecar as an HTTP proxy",
    `  curl -s -x http://${HOST}:${web1} http://web/`,
    `  # the 80/20 split of api between v1 and v2 (${SPLIT_SAMPLE} calls)`,
    `  for i in $(seq ${SPLIT_SAMPLE}); do curl -s -H 'Host: api' http://${HOST}:${web1}/ | grep -o '"version":"v[0-9]*"'; done | sort | uniq -c`,
    '  # a reply the proxy makes itself (404, x-weft-error: no_route)',
    `  curl -si -H 'Host: nowhere' http://${HOST}:${web1}/`,
    '  # what the control plane knows: proxies and their ACKed revision, endpoints, resources',
    `  curl -s ${cp}/v1/proxies`,
    `  curl -s ${cp}/v1/endpoints`,
    `  curl -s ${cp}/v1/resources`,
    '  # the dashboard: topology with live rps, success rate and p99, proxies, config events',
    `  ${cp}/dashboard   (open it in a browser while the loop above sends traffic)`,
  ];
  if (existsSync(CLI_MAIN)) {
    lines.push(
      '  # the same through the weft CLI',
      `  node bin/weft.js status -s ${cp}`,
      `  node bin/weft.js get endpoints -s ${cp}`,
      `  node bin/weft.js history -s ${cp}`,
      '  # golden signals per Service and edge, and a live table per route (send traffic first)',
      `  node bin/weft.js stat -s ${cp}`,
      `  node bin/weft.js top -s ${cp}`,
    );
  }
  if (onPath('nats')) {
    lines.push('  # the mesh live on the bus', `  nats sub 'weft.>' -s ${natsUrl}`);
  } else {
    const sub = `nats sub 'weft.>' -s ${natsUrl}`;
    lines.push(`  # (with the nats CLI installed, \`${sub}\` shows the mesh live)`);
  }
  lines.push('', `Logs: ${logDir}`, 'Press Ctrl-C to stop everything.', '');
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main() {
  checkBuilt();
  workDir = await mkdtemp(join(tmpdir(), 'weft-demo-'));
  const logDir = join(workDir, 'logs');
  const stateDir = join(workDir, 'state');
  mkdirSync(logDir, { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  say(`logs of every process go to ${logDir}`);

  natsStarting = ensureNats({ log: say, logFile: join(logDir, 'nats-server.log') });
  nats = await natsStarting;
  if (shuttingDown) return;
  if (nats.source !== 'env') say(`nats-server ready at ${nats.url}`);
  void nats.exited?.then(({ code, signal }) => {
    if (shuttingDown) return;
    somethingDied = true;
    warn(
      `nats-server exited unexpectedly (${signal ?? `exit code ${code}`}); see ${logDir}/nats-server.log`,
    );
  });

  const cpPort = await controlPlanePort();
  const cpUrl = `http://${HOST}:${cpPort}`;
  say(`starting the control plane on :${cpPort}…`);
  const cp = startNode(
    'control plane',
    'control-plane',
    CONTROL_PLANE_MAIN,
    { NATS_URL: nats.url, WEFT_ADMIN_PORT: String(cpPort), WEFT_BIND_ADDRESS: HOST },
    join(logDir, 'control-plane.log'),
  );
  await waitReady(cp, `${cpUrl}/readyz`);
  say(`control plane ready on :${cpPort}`);

  await allocatePorts();
  say(`starting ${INSTANCES.length} demo instances, each behind its own sidecar…`);
  await Promise.all(INSTANCES.map((inst) => startWorkload(inst, nats.url, logDir, stateDir)));

  const revision = await apply(cpUrl);
  await waitConverged(cpUrl, revision);
  await waitEndpoints(cpUrl);
  await waitMeshAnswers();
  await sampleSplit(INSTANCES[0].ports.outbound);
  printTryIt(cpPort, nats.url, logDir);
}

// ---------------------------------------------------------------------------------------------
// Shutdown

/** The order matters: sidecars drain while NATS and the control plane still run. */
const STOP_ORDER = [
  { role: 'sidecar', label: 'sidecars (draining)', timeoutMs: SIDECAR_STOP_TIMEOUT_MS },
  { role: 'app', label: 'demo apps', timeoutMs: STOP_TIMEOUT_MS },
  { role: 'control-plane', label: 'control plane', timeoutMs: STOP_TIMEOUT_MS },
];

function shutdown(exitCode, reason) {
  if (shuttingDown) return shuttingDown;
  shuttingDown = (async () => {
    say(`${reason}; stopping…`);
    for (const { role, label, timeoutMs } of STOP_ORDER) {
      const running = children.filter((c) => c.role === role && c.exit === undefined);
      if (running.length === 0) continue;
      say(`stopping ${label}…`);
      await stopGroup(running, timeoutMs);
    }
    const started = nats ?? (await natsStarting?.catch(() => undefined));
    if (started && started.source !== 'env') {
      say('stopping nats-server…');
      await started.stop();
    }
    nats = undefined;
    if (workDir) {
      if (exitCode === 0 && !somethingDied && !process.env.WEFT_DEMO_KEEP_LOGS) {
        rmSync(workDir, { recursive: true, force: true });
        say(`removed ${workDir} (set WEFT_DEMO_KEEP_LOGS=1 to keep the logs)`);
      } else {
        rmSync(join(workDir, 'state'), { recursive: true, force: true });
        say(`logs kept in ${join(workDir, 'logs')}`);
      }
    }
    say('stopped');
    process.exit(exitCode);
  })();
  return shuttingDown;
}

// Last resort if the script dies without the orderly shutdown: the children are detached, so
// they would outlive it.
process.on('exit', () => {
  for (const entry of children) {
    if (entry.exit === undefined) entry.child.kill('SIGKILL');
  }
  nats?.kill?.();
});

// Under `npm run demo` one Ctrl-C arrives twice: from the terminal, and forwarded by npm.
const DUPLICATE_SIGNAL_MS = 1_000;
let firstSignalAt = 0;

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (!firstSignalAt) {
      firstSignalAt = Date.now();
      void shutdown(0, `got ${signal}`);
      return;
    }
    if (Date.now() - firstSignalAt < DUPLICATE_SIGNAL_MS) return;
    // Another Ctrl-C while stopping: the exit handler kills what is left.
    warn(`got ${signal} again: killing everything now`);
    process.exit(130);
  });
}

main().catch((err) => {
  if (shuttingDown) return;
  warn(err instanceof DemoError ? err.message : (err?.stack ?? String(err)));
  void shutdown(1, 'the demo could not start');
});
