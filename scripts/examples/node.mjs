// `npm run example:node`: examples/node on this machine — NATS, the control plane, and two "nodes",
// each a node proxy serving the workloads of its list (an api version and a web instance).
import '../lib/supported-node-guard.mjs'; // first: an unsupported Node.js gets one message, not a stack trace
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDemoApp } from '../lib/demo-app.mjs';
import {
  applyFolder,
  NO_GATEWAY_NOTE,
  startControlPlane,
  tokenLines,
  waitConverged,
} from '../lib/control-plane.mjs';
import { exampleFolder, port, requireFreePorts } from '../lib/example-ports.mjs';
import {
  appMain,
  checkBuilt,
  ExampleError,
  ExampleRun,
  HOST,
  printTryIt,
  READY_TIMEOUT_MS,
  say,
} from '../lib/example-run.mjs';
import { http } from '../lib/http.mjs';

const DIR = 'examples/node';
/** Ports as in examples/node/nodes/*.yaml and the README (WEFT_EXAMPLE_PORTS moves them). */
const NODES = [
  {
    id: 'node-a',
    outbound: port(15001),
    admin: port(15000),
    apps: [
      { service: 'api', version: 'v1', instance: 'api-1', port: port(9101) },
      { service: 'web', version: 'v1', instance: 'web-1', port: port(9103), upstream: 'api' },
    ],
  },
  {
    id: 'node-b',
    outbound: port(15002),
    admin: port(15003),
    apps: [
      { service: 'api', version: 'v2', instance: 'api-2', port: port(9102) },
      { service: 'web', version: 'v1', instance: 'web-2', port: port(9104), upstream: 'api' },
    ],
  },
];

const run = new ExampleRun({
  name: 'node',
  stopOrder: [
    { role: 'node-proxy', label: 'node proxies (draining)', timeoutMs: 15_000 },
    { role: 'app', label: 'demo apps' },
    { role: 'control-plane', label: 'control plane' },
  ],
});

async function startNode(node, folder) {
  const workloadsFile = join(folder, 'nodes', `${node.id}.yaml`);
  for (const app of node.apps) await startDemoApp(run, { ...app, outboundPort: node.outbound });
  const proxy = run.startNode(
    `${node.id} proxy`,
    'node-proxy',
    appMain('sidecar'),
    {
      ...(await run.proxyNatsEnv({ role: 'node', service: 'node', workloadsFile })),
      WEFT_MODE: 'node',
      WEFT_INSTANCE_ID: node.id,
      WEFT_WORKLOADS_FILE: workloadsFile,
      WEFT_OUTBOUND_PORT: String(node.outbound),
      WEFT_ADMIN_PORT: String(node.admin),
      WEFT_BIND_ADDRESS: HOST,
      WEFT_STATE_DIR: join(run.stateDir, node.id),
    },
    `${node.id}-proxy`,
  );
  await run.waitReady(proxy, `http://${HOST}:${node.admin}/readyz`);
  say(`${node.id} ready: ${node.apps.map((a) => a.instance).join(', ')} behind one proxy`);
  return proxy;
}

/** Until every web instance reached both api versions through its node's outbound port. */
async function waitBothVersions() {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (const node of NODES) {
    const seen = new Set();
    while (seen.size < 2) {
      run.checkStopping();
      const res = await http('GET', `http://${HOST}:${node.outbound}/`, {
        headers: { host: 'api' },
      });
      if (res.status === 200) seen.add(res.json?.version);
      if (Date.now() > deadline) {
        throw new ExampleError(`${node.id} did not reach both api versions (last: ${res.status})`);
      }
      if (seen.size < 2) await sleep(20);
    }
  }
  say('both nodes reach api v1 (node a) and v2 (node b)');
}

run.start(async () => {
  checkBuilt(['control-plane', 'sidecar', 'cli']);
  await requireFreePorts(NODES.flatMap((n) => [n.outbound, n.admin, ...n.apps.map((a) => a.port)]));
  await run.startNats();
  const cp = await startControlPlane(run);
  const revision = await applyFolder(run, cp, DIR);
  const proxies = [];
  const folder = exampleFolder(DIR, join(run.workDir, 'config'));
  for (const node of NODES) proxies.push(await startNode(node, folder));
  await waitConverged(
    run,
    cp,
    revision,
    NODES.map((n) => n.id),
    'node proxies',
  );
  await waitBothVersions();
  const a = `http://${HOST}:${NODES[0].outbound}`;
  printTryIt(
    [
      'Two nodes are up, each one proxy for two workloads. Try, in another terminal:',
      '',
      "  # web → api through node a's shared outbound listener",
      `  curl -s -H 'Host: web' ${a}/`,
      "  # route.yaml's canary: the 80/20 split of api, and x-canary: yes for v2",
      `  for i in $(seq 50); do curl -s -H 'Host: api' ${a}/ | grep -o '"version":"v[0-9]*"'; done | sort | uniq -c`,
      `  curl -s -H 'Host: api' -H 'x-canary: yes' ${a}/`,
      ...tokenLines(cp),
      '  # every workload is an instance of its own, with its labels',
      `  node bin/weft.js get endpoints -s ${cp.url}`,
      `  node bin/weft.js status -s ${cp.url}`,
      `  node bin/weft.js get httproutes -s ${cp.url}   # Accepted=False is expected: ${NO_GATEWAY_NOTE}`,
      "  # node b's proxy dying takes out node b's workloads only",
      `  kill -9 ${proxies[1].child.pid}   # node b's proxy; then get endpoints again`,
    ],
    run.logDir,
  );
});
