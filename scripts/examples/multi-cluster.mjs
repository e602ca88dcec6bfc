// `npm run example:multi-cluster`: examples/multi-cluster on this machine — two clusters, east and
// west, on loopback ports, each with its own nats-server (from `weft nats-config --cluster`, one
// trust shared), control plane and a sidecar'd demo app, joined by a leaf-node link; west exports
// `api`, and east's `web` calls it as api.shop.svc.clusterset.local over the bus. A site, edge-1,
// joins west through a nats-server of its own (`weft nats-config --site`, a leaf node): its `kiosk`,
// registered by a WorkloadGroup, calls west's api and is called by it, over the bus.
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
/** The site joined to west: its own nats-server (no leaf-node listener: it only dials out). */
const SITE = {
  name: 'edge-1',
  cluster: WEST,
  nats: port(4224),
  app: { service: 'kiosk', version: 'v1', instance: 'kiosk-edge-1', port: port(9105) },
  sidecar: { admin: port(15200), outbound: port(15201), inbound: port(15206) },
};
// The site's kiosk calls west's api through its own sidecar (over the bus, across the leaf node).
SITE.app.upstream = `api.${NAMESPACE}`;
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
  const nats = await runNats(bin, c.name, config, 'Server is ready');
  say(`cluster ${c.name}: nats-server ready at nats://${HOST}:${c.nats} (${config})`);
  return nats;
}

/** nats-server `name` on `config`, once it logs `ready`. */
async function runNats(bin, name, config, ready) {
  const nats = run.startProcess(
    `nats-server ${name}`,
    'nats',
    bin,
    ['-c', config],
    {},
    `nats-${name}`,
  );
  await run.waitLogged(nats, ready);
  return nats;
}

/** The site's nats-server from `weft nats-config --site`, dialing west's leaf-node listener. */
async function startSiteNats(trust, bin) {
  const config = await trust.siteConfig(SITE.name, {
    listen: `${HOST}:${SITE.nats}`,
    link: `nats-leaf://${HOST}:${SITE.cluster.leaf}`,
    workloads: [`${NAMESPACE}/${SITE.app.service}`],
  });
  await runNats(bin, SITE.name, config, 'Leafnode connection created');
  say(
    `site ${SITE.name}: nats-server at nats://${HOST}:${SITE.nats}, linked to ${SITE.cluster.name} (${config})`,
  );
}

/**
 * Cluster `c`'s demo app behind its sidecar, both in namespace shop and cluster `c.name`; or, with
 * `site`, the site's: its sidecar says so (WEFT_SITE) and reads its cluster's config bucket in that
 * cluster's JetStream domain across the leaf node.
 */
async function startWorkload(c, trust, site) {
  const { app, sidecar: ports } = c;
  const where = site
    ? { WEFT_SITE: site.name, WEFT_JETSTREAM_DOMAIN: site.cluster.name }
    : { WEFT_CLUSTER: c.name };
  const appEntry = await startDemoApp(run, { ...app, outboundPort: ports.outbound }, false);
  const sidecar = run.startNode(
    `${app.instance} sidecar`,
    'sidecar',
    appMain('sidecar'),
    {
      ...(await trust.proxyEnv({ namespace: NAMESPACE, service: app.service })),
      NATS_URL: `nats://${HOST}:${c.nats}`,
      WEFT_MODE: 'sidecar',
      ...where,
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
  const place = site ? `site ${site.name}` : `cluster ${c.name}`;
  say(`${place}: ${app.instance} ready (${app.service}.${NAMESPACE}, app :${app.port})`);
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
  await requireFreePorts([
    ...CLUSTERS.flatMap((c) => [c.nats, c.leaf, c.app.port, ...Object.values(c.sidecar)]),
    SITE.nats,
    SITE.app.port,
    ...Object.values(SITE.sidecar),
  ]);
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
  await startSiteNats(trust, bin);
  await Promise.all([
    ...CLUSTERS.map((c) => startWorkload(c, trust)),
    startWorkload(SITE, trust, SITE),
  ]);
  // West exports first: east's TrafficPolicy then finds the imported Service it targets. West's
  // folder also registers the site's kiosk (a WorkloadGroup): until then west refuses it.
  await waitConverged(run, west, await applyFolder(run, west, `${DIR}/west`), [
    WEST.app.instance,
    SITE.app.instance,
  ]);

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

  // The site: west's api calls kiosk (only over the bus: the site takes no inbound connection from
  // a cluster), and kiosk's app calls west's api through its own sidecar.
  const westOutbound = `http://${HOST}:${WEST.sidecar.outbound}`;
  const called = await run.until("west's api did not reach the site's kiosk", async () => {
    const res = await http('GET', `${westOutbound}/`, { headers: { host: `kiosk.${NAMESPACE}` } });
    return res.status === 200 && res.json?.instance === SITE.app.instance
      ? { ok: true, value: res.json }
      : { ok: false, why: `${res.status} ${res.text.slice(0, 300)}` };
  });
  const kioskApp = `http://${HOST}:${SITE.app.port}`;
  const calls = await run.until("the site's kiosk did not reach west's api", async () => {
    const res = await http('GET', `${kioskApp}/`);
    return res.status === 200 && res.json?.upstream?.instance === WEST.app.instance
      ? { ok: true, value: res.json }
      : { ok: false, why: `${res.status} ${res.text.slice(0, 300)}` };
  });
  say(
    `site ${SITE.name} answers: ${WEST.app.instance} (west) → bus → leaf node → ${called.instance}; ` +
      `${calls.instance} → sidecar → leaf node → bus → ${calls.upstream.instance} (west)`,
  );

  const auth = (cp) => `WEFT_TOKEN=$(cat ${cp.tokenFile})`;
  printTryIt(
    [
      `Two clusters are up, joined by a leaf-node link, and site ${SITE.name} joined to west. Try, in another terminal:`,
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
      `  # the site ${SITE.name} (a leaf node of west): west's api calls its kiosk, kiosk calls west's api`,
      `  curl -s -H 'Host: kiosk.${NAMESPACE}' ${westOutbound}/`,
      `  curl -s ${kioskApp}/`,
      `  ${auth(west)} node bin/weft.js get workloads -o wide -s ${west.url}   # kiosk-edge-1 at site ${SITE.name}`,
    ],
    run.logDir,
  );
});
