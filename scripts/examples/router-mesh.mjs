// `npm run example:router-mesh`: examples/router-mesh on this machine — NATS, the control plane,
// a router replica set of two on :8080 and the demo apps without sidecars (web calls api through
// the router; the last hop to each api version goes over the bus).
import '../lib/supported-node-guard.mjs'; // first: an unsupported Node.js gets one message, not a stack trace
import { startDemoApp } from '../lib/demo-app.mjs';
import {
  applyFolder,
  NO_GATEWAY_NOTE,
  startControlPlane,
  tokenLines,
  waitConverged,
} from '../lib/control-plane.mjs';
import { port, requireFreePorts } from '../lib/example-ports.mjs';
import {
  appMain,
  checkBuilt,
  ExampleError,
  ExampleRun,
  HOST,
  onPath,
  printTryIt,
  say,
} from '../lib/example-run.mjs';
import { http } from '../lib/http.mjs';

const DIR = 'examples/router-mesh';
/** Ports as in examples/router-mesh/services.yaml and the README (WEFT_EXAMPLE_PORTS moves them). */
const ROUTER_PORT = port(8080);
/** Replica i's admin port is this + i. */
const ADMIN_PORT = port(15000);
const REPLICAS = 2;
const APPS = [
  { service: 'api', version: 'v1', instance: 'api-1', port: port(9101) },
  { service: 'api', version: 'v2', instance: 'api-2', port: port(9102) },
  { service: 'web', version: 'v1', instance: 'web-1', port: port(9103), upstream: 'api' },
];

const run = new ExampleRun({
  name: 'router-mesh',
  stopOrder: [
    { role: 'router', label: 'routers (draining)', timeoutMs: 15_000 },
    { role: 'app', label: 'demo apps' },
    { role: 'control-plane', label: 'control plane' },
  ],
});

run.start(async () => {
  checkBuilt(['control-plane', 'router', 'cli']);
  const ports = [ROUTER_PORT, ADMIN_PORT, ADMIN_PORT + 1, ...APPS.map((a) => a.port)];
  await requireFreePorts(ports);
  await run.startNats();
  const cp = await startControlPlane(run);
  for (const app of APPS) await startDemoApp(run, { ...app, outboundPort: ROUTER_PORT });
  const revision = await applyFolder(run, cp, DIR);

  say(`starting ${REPLICAS} router replicas sharing :${ROUTER_PORT}…`);
  const router = run.startNode(
    'router',
    'router',
    appMain('router'),
    {
      ...(await run.proxyNatsEnv({ role: 'router', service: 'router' })),
      WEFT_MODE: 'router',
      WEFT_INSTANCE_ID: 'router',
      WEFT_ROUTER_REPLICAS: String(REPLICAS),
      WEFT_LISTEN_PORT: String(ROUTER_PORT),
      WEFT_ADMIN_PORT: String(ADMIN_PORT),
      WEFT_BIND_ADDRESS: HOST,
      WEFT_STATE_DIR: run.stateDir,
    },
    'router',
  );
  for (let i = 0; i < REPLICAS; i++) {
    await run.waitReady(router, `http://${HOST}:${ADMIN_PORT + i}/readyz`);
  }
  const replicaIds = Array.from({ length: REPLICAS }, (_, i) => `router-${i}`);
  await waitConverged(run, cp, revision, replicaIds, 'router replicas');

  const res = await http('GET', `http://${HOST}:${ROUTER_PORT}/`, { headers: { host: 'web' } });
  if (res.status !== 200 || res.json?.upstream?.service !== 'api') {
    throw new ExampleError(`web → api answered ${res.status}: ${res.text.slice(0, 500)}`);
  }
  say(
    `router mesh answers: router → ${res.json.instance} (web) → router → bus → router → ` +
      `${res.json.upstream.instance} (api ${res.json.upstream.version})`,
  );
  const url = `http://${HOST}:${ROUTER_PORT}`;
  printTryIt(
    [
      'The router mesh is up. Try, in another terminal:',
      '',
      '  # web → api, both through the routers (web has no sidecar: it calls the router)',
      `  curl -s -H 'Host: web' ${url}/`,
      "  # route.yaml's canary: the 80/20 split of api, and x-canary: yes for v2",
      `  for i in $(seq 50); do curl -s -H 'Host: api' ${url}/ | grep -o '"version":"v[0-9]*"'; done | sort | uniq -c`,
      `  curl -s -H 'Host: api' -H 'x-canary: yes' ${url}/`,
      '  # each replica has its own admin port',
      ...replicaIds.map(
        (id, i) =>
          `  curl -s http://${HOST}:${ADMIN_PORT + i}/metrics | grep weft_bus_exchanges  # ${id}`,
      ),
      ...tokenLines(cp),
      `  node bin/weft.js status -s ${cp.url}`,
      `  node bin/weft.js get httproutes -s ${cp.url}   # Accepted=False is expected: ${NO_GATEWAY_NOTE}`,
      onPath('nats')
        ? `  nats sub 'weft.v1.rpc.>' ${run.natsCliFlags()}   # the bus hop`
        : `  # (with the nats CLI: nats sub 'weft.v1.rpc.>' ${run.natsCliFlags()} shows the bus hop)`,
    ],
    run.logDir,
  );
});
