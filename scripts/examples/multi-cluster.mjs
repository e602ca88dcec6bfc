// `npm run example:multi-cluster`: examples/multi-cluster on this machine — two clusters, east and
// west, on loopback ports, each with its own nats-server (from `weft nats-config --cluster`, one
// trust shared), control plane and a sidecar'd demo app, joined by a leaf-node link; west exports
// `api`, and east's `web` calls it as api.shop.svc.clusterset.local over the bus.
import '../lib/supported-node-guard.mjs'; // first: an unsupported Node.js gets one message, not a stack trace
import { join } from 'node:path';
import { findNatsServer, INSTALL_HINT } from '../find-nats.mjs';
import { startDemoApp } from '../lib/demo-app.mjs';
import { adminAuth, applyFolder, startControlPlane, waitConverged } from '../lib/control-plane.mjs';
import { port, requireFreePorts } from '../lib/example-ports.mjs';
import {
  appMain,
  checkBuilt,
  ExampleError,
  ExampleRun,
  HOST,
  printTryIt,
  say,
  sidecarListenEnv,
} from '../lib/example-run.mjs';
import { http } from '../lib/http.mjs';
import { NatsTrust } from '../lib/nats-trust.mjs';

const DIR = 'examples/multi-cluster';
const NAMESPACE = 'shop';
/** The name east's callers use for west's exported api. */
const CLUSTERSET_HOST = `api.${NAMESPACE}.svc.clusterset.local`;
// A sidecar drains for WEFT_DRAIN_GRACE_MS (2 s) plus in-flight requests; the rest stop at once.
const SIDECAR_STOP_TIMEOUT_MS = 15_000;

/** Each cluster's ports as the README lists them (WEFT_EXAMPLE_PORTS moves them). */
const CLUSTERS = [
  {
    name: 'east',
    nats: port(4222),
    leaf: port(7422),
    controlPlane: 15010,
    app: { service: 'web', version: 'v1', instance: 'web-east-1', port: port(9103) },
    sidecar: { admin: port(15000), outbound: port(15001), inbound: port(15006) },
  },
  {
    name: 'west',
    nats: port(4223),
    leaf: port(7423),
    controlPlane: 15020,
    app: { service: 'api', version: 'v1', instance: 'api-west-1', port: port(9101) },
    sidecar: { admin: port(15100), outbound: port(15101), inbound: port(15106) },
  },
];
const [EAST, WEST] = CLUSTERS;
// east's web calls west's api by its clusterset name, through its own sidecar.
EAST.app.upstream = CLUSTERSET_HOST;

const run = new ExampleRun({
  name: 'multi-cluster',
  stopOrder: [
    { role: 'sidecar', label: 'sidecars (draining)', timeoutMs: SIDECAR_STOP_TIMEOUT_MS },
    { role: 'app', label: 'demo apps' },
    { role: 'control-plane', label: 'control planes' },
    { role: 'nats', label: 'nats-servers' },
  ],
});

/** Cluster `c`'s nats-server from `weft nats-config --cluster`, west linked to east's listener. */
async function startNats(trust, bin, c, links) {
  const config = await trust.clusterConfig(c.name, {
    listen: `${HOST}:${c.nats}`,
    leafnodeListen: `${HOST}:${c.leaf}`,
    storeDir: join(run.stateDir, `nats-${c.name}`),
    links,
  });
  const nats = run.startProcess(
    `nats-server ${c.name}`,
    'nats',
    bin,
    ['-c', config],
    {},
    `nats-${c.name}`,
  );
  await run.waitLogged(nats, 'Server is ready');
  say(`cluster ${c.name}: nats-server ready at nats://${HOST}:${c.nats} (${config})`);
  return nats;
}

/** Cluster `c`'s demo app behind its sidecar, both in namespace shop and cluster `c.name`. */
async function startWorkload(c, trust) {
  const { app, sidecar: ports } = c;
  const appEntry = await startDemoApp(run, { ...app, outboundPort: ports.outbound }, false);
  const sidecar = run.startNode(
    `${app.instance} sidecar`,
    'sidecar',
    appMain('sidecar'),
    {
      ...(await trust.proxyEnv({ namespace: NAMESPACE, service: app.service })),
      NATS_URL: `nats://${HOST}:${c.nats}`,
      WEFT_MODE: 'sidecar',
      WEFT_CLUSTER: c.name,
      WEFT_NAMESPACE: NAMESPACE,
      WEFT_SERVICE: app.service,
      ...sidecarListenEnv(run, app.instance, { ...ports, app: app.port }),
    },
    `${app.instance}-sidecar`,
  );
  await Promise.all([
    run.waitReady(appEntry, `http://${HOST}:${app.port}/readyz`),
    run.waitReady(sidecar, `http://${HOST}:${ports.admin}/readyz`),
  ]);
  say(`cluster ${c.name}: ${app.instance} ready (${app.service}.${NAMESPACE}, app :${app.port})`);
}

run.start(async () => {
  checkBuilt(['control-plane', 'sidecar', 'cli']);
  const bin = findNatsServer();
  if (!bin) {
    throw new ExampleError(
      'this example runs two nats-servers of its own and needs the nats-server binary ' +
        `(NATS_URL and Docker are not used here).\n${INSTALL_HINT}`,
    );
  }
  await requireFreePorts(
    CLUSTERS.flatMap((c) => [c.nats, c.leaf, c.app.port, ...Object.values(c.sidecar)]),
  );
  say('generating the NATS trust both clusters share (weft nats-config)…');
  const trust = await NatsTrust.generate(join(run.stateDir, 'nats-auth'));
  await startNats(trust, bin, EAST, []);
  const westNats = await startNats(trust, bin, WEST, [`nats-leaf://${HOST}:${EAST.leaf}`]);
  await run.waitLogged(westNats, 'Leafnode connection created');
  say('west is linked to east (a leaf-node link)');

  const [east, west] = await Promise.all(
    CLUSTERS.map((c) =>
      startControlPlane(run, {
        readmePort: c.controlPlane,
        cluster: c.name,
        natsEnv: { NATS_URL: `nats://${HOST}:${c.nats}`, ...trust.controlPlaneEnv() },
      }),
    ),
  );
  await Promise.all(CLUSTERS.map((c) => startWorkload(c, trust)));
  // West exports first: east's TrafficPolicy then finds the imported Service it targets.
  await waitConverged(run, west, await applyFolder(run, west, `${DIR}/west`), [WEST.app.instance]);

  const imported = await run.until(
    "east did not import west's api (GET /v1/clusterset)",
    async () => {
      const res = await http('GET', `${east.url}/v1/clusterset`, { headers: adminAuth(east) });
      const found = res.json?.imports?.find((i) => i.cluster === 'west' && i.service === 'api');
      return found?.endpoints.length > 0
        ? { ok: true, value: found }
        : { ok: false, why: res.text.slice(0, 300) };
    },
  );
  say(`east imports api.${NAMESPACE} from west: ${imported.endpoints.length} endpoint(s)`);
  await waitConverged(run, east, await applyFolder(run, east, `${DIR}/east`), [EAST.app.instance]);
  const outbound = `http://${HOST}:${EAST.sidecar.outbound}`;
  const reply = await run.until("east's web did not reach west's api", async () => {
    const res = await http('GET', `${outbound}/`, { headers: { host: 'web' } });
    return res.status === 200 && res.json?.upstream?.instance === WEST.app.instance
      ? { ok: true, value: res.json }
      : { ok: false, why: `${res.status} ${res.text.slice(0, 300)}` };
  });
  say(
    `multi-cluster answers: ${reply.instance} (east) → sidecar → bus → leaf-node link → ` +
      `sidecar → ${reply.upstream.instance} (west)`,
  );

  const auth = (cp) => `WEFT_TOKEN=$(cat ${cp.tokenFile})`;
  printTryIt(
    [
      'Two clusters are up, joined by a leaf-node link. Try, in another terminal:',
      '',
      `  # east's web calls ${CLUSTERSET_HOST}: west answers, over the bus`,
      `  curl -s -H 'Host: web' ${outbound}/`,
      `  curl -s -H 'Host: ${CLUSTERSET_HOST}' ${outbound}/`,
      '  # each cluster has its own control plane and admin token',
      `  ${auth(east)} node bin/weft.js status -s ${east.url}   # cluster east, imports api.${NAMESPACE} from west`,
      `  ${auth(west)} node bin/weft.js status -s ${west.url}   # cluster west`,
      `  ${auth(east)} node bin/weft.js get endpoints -o wide -s ${east.url}`,
      `  curl -s -H "authorization: Bearer $(cat ${east.tokenFile})" ${east.url}/v1/clusterset`,
      `  # the dashboards: ${east.url}/dashboard and ${west.url}/dashboard (log in with each token)`,
      '  # the site step (a VM behind a leaf node) is pending: see the README',
    ],
    run.logDir,
  );
});
