// `npm run demo`: a full mesh on this machine — NATS, the control plane, and two demo services
// (`web` calling `api`) with two instances each, every instance behind its own sidecar — then
// examples/full-mesh applied (its route.yaml, the canary every example shares: 80/20 split of `api`
// between v1 and v2, `x-canary: yes` to v2) and commands to try printed.
// Ctrl-C stops everything in order: sidecars (drain), demo apps, control plane, nats-server.
import './lib/supported-node-guard.mjs'; // first: an unsupported Node.js gets one message, not a stack trace
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './find-nats.mjs';
import { startDemoApp } from './lib/demo-app.mjs';
import {
  adminAuth,
  applyFolder,
  NO_GATEWAY_NOTE,
  readManifests,
  startControlPlane,
  tokenLines,
  waitConverged,
} from './lib/control-plane.mjs';
import {
  appMain,
  checkBuilt,
  ExampleError,
  ExampleRun,
  HOST,
  onPath,
  printTryIt,
  READY_TIMEOUT_MS,
  ROOT,
  say,
  sidecarListenEnv,
} from './lib/example-run.mjs';
import { http } from './lib/http.mjs';

const CLI_MAIN = join(ROOT, 'dist/apps/cli/main.js');
const MANIFEST_DIR = 'examples/full-mesh';
const CONVERGE_TIMEOUT_MS = 30_000;
// A sidecar drains for WEFT_DRAIN_GRACE_MS (2 s) plus in-flight requests; the rest stop at once.
const SIDECAR_STOP_TIMEOUT_MS = 15_000;
const SPLIT_SAMPLE = 100;
const POLL_MS = 200;

/** The demo's workloads: `web` calls `api`; `api` runs v1 and v2 side by side. */
const INSTANCES = [
  { service: 'web', id: 'web-1', version: 'v1', upstream: 'api' },
  { service: 'web', id: 'web-2', version: 'v1', upstream: 'api' },
  { service: 'api', id: 'api-1', version: 'v1' },
  { service: 'api', id: 'api-2', version: 'v2' },
];

/** The order matters: sidecars drain while NATS and the control plane still run. */
const run = new ExampleRun({
  name: 'demo',
  keepLogsVar: 'WEFT_DEMO_KEEP_LOGS',
  stopOrder: [
    { role: 'sidecar', label: 'sidecars (draining)', timeoutMs: SIDECAR_STOP_TIMEOUT_MS },
    { role: 'app', label: 'demo apps' },
    { role: 'control-plane', label: 'control plane' },
  ],
});

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

async function startWorkload(inst) {
  const { ports } = inst;
  const app = await startDemoApp(
    run,
    {
      service: inst.service,
      version: inst.version,
      instance: inst.id,
      port: ports.app,
      upstream: inst.upstream,
      outboundPort: ports.outbound,
    },
    false,
  );
  const sidecar = run.startNode(
    `${inst.id} sidecar`,
    'sidecar',
    appMain('sidecar'),
    {
      ...(await run.proxyNatsEnv({ service: inst.service })),
      WEFT_MODE: 'sidecar',
      WEFT_NAMESPACE: 'default',
      WEFT_SERVICE: inst.service,
      WEFT_LABELS: `version=${inst.version}`,
      ...sidecarListenEnv(run, inst.id, ports),
    },
    `${inst.id}-sidecar`,
  );
  await Promise.all([
    run.waitReady(app, `http://${HOST}:${ports.app}/readyz`),
    run.waitReady(sidecar, `http://${HOST}:${ports.admin}/readyz`),
  ]);
  say(
    `${inst.id} ready: ${inst.service} ${inst.version}, app :${ports.app}, sidecar inbound ` +
      `:${ports.inbound} outbound :${ports.outbound} admin :${ports.admin}`,
  );
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
async function waitEndpoints(cp) {
  const expected = expectedEndpoints();
  const deadline = Date.now() + CONVERGE_TIMEOUT_MS;
  let missing = Object.keys(expected);
  while (missing.length > 0) {
    run.checkStopping();
    let sets = [];
    try {
      const res = await http('GET', `${cp.url}/v1/endpoints`, {
        headers: adminAuth(cp),
        timeoutMs: 2_000,
      });
      sets = res.json?.items ?? [];
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
      throw new ExampleError(
        `endpoints incomplete after ${CONVERGE_TIMEOUT_MS / 1000} s: ${detail}`,
      );
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
      run.checkStopping();
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
        throw new ExampleError(
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
    throw new ExampleError(`web → api answered ${res.status}: ${res.text.slice(0, 500)}`);
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

function tryItLines(controlPlane, weftNats) {
  const web1 = INSTANCES[0].ports.outbound;
  const cp = controlPlane.url;
  const auth = '-H "authorization: Bearer $WEFT_TOKEN"';
  const lines = [
    'The mesh is up. Try, in another terminal:',
    '',
    '  # web → api through the sidecars: "upstream" is the api instance that web reached',
    `  curl -s -H 'Host: web' http://${HOST}:${web1}/`,
    "  # the same, with web-1's sidecar as an HTTP proxy",
    `  curl -s -x http://${HOST}:${web1} http://web/`,
    `  # the 80/20 split of api between v1 and v2 (${SPLIT_SAMPLE} calls)`,
    `  for i in $(seq ${SPLIT_SAMPLE}); do curl -s -H 'Host: api' http://${HOST}:${web1}/ | grep -o '"version":"v[0-9]*"'; done | sort | uniq -c`,
    '  # a canary tester: x-canary: yes always reaches v2',
    `  curl -s -H 'Host: api' -H 'x-canary: yes' http://${HOST}:${web1}/`,
    '  # a reply the proxy makes itself (404, x-weft-error: no_route)',
    `  curl -si -H 'Host: nowhere' http://${HOST}:${web1}/`,
    ...tokenLines(controlPlane),
    '  # what the control plane knows: proxies and their ACKed revision, endpoints, resources',
    `  curl -s ${auth} ${cp}/v1/proxies`,
    `  curl -s ${auth} ${cp}/v1/endpoints`,
    `  curl -s ${auth} ${cp}/v1/resources`,
    '  # the dashboard: topology with live rps, success rate and p99, proxies, config events',
    `  ${cp}/dashboard   (open it in a browser while the loop above sends traffic; log in with the token)`,
  ];
  if (existsSync(CLI_MAIN)) {
    lines.push(
      '  # the same through the weft CLI',
      `  node bin/weft.js status -s ${cp}`,
      `  ${weftNats}node bin/weft.js check -s ${cp}`,
      `  node bin/weft.js get httproutes -s ${cp}   # Accepted=False is expected: ${NO_GATEWAY_NOTE}`,
      `  node bin/weft.js get endpoints -s ${cp}`,
      `  node bin/weft.js history -s ${cp}`,
      '  # golden signals per Service and edge, and a live table per route (send traffic first)',
      `  node bin/weft.js stat -s ${cp}`,
      `  node bin/weft.js top -s ${cp}`,
    );
  }
  if (onPath('nats')) {
    lines.push('  # the mesh live on the bus', `  nats sub 'weft.>' ${run.natsCliFlags()}`);
  } else {
    const sub = `nats sub 'weft.>' ${run.natsCliFlags()}`;
    lines.push(`  # (with the nats CLI installed, \`${sub}\` shows the mesh live)`);
  }
  return lines;
}

run.start(async () => {
  checkBuilt(['control-plane', 'sidecar', 'cli']);
  await run.startNats();
  const cp = await startControlPlane(run);

  await allocatePorts();
  say(`starting ${INSTANCES.length} demo instances, each behind its own sidecar…`);
  await Promise.all(INSTANCES.map((inst) => startWorkload(inst)));

  const revision = await applyFolder(run, cp, MANIFEST_DIR, readManifests(MANIFEST_DIR));
  await waitConverged(
    run,
    cp,
    revision,
    INSTANCES.map((i) => i.id),
  );
  await waitEndpoints(cp);
  await waitMeshAnswers();
  await sampleSplit(INSTANCES[0].ports.outbound);
  printTryIt(tryItLines(cp, await run.weftNatsPrefix()), run.logDir);
});
