// Two Weft clusters on loopback joined by a leaf-node link, as examples/multi-cluster starts them:
// one NATS trust (`weft nats-config`), each cluster its own nats-server from `weft nats-config
// --cluster` (its own JetStream domain), its own control plane with an intermediate CA of one
// shared root, mTLS STRICT, and sidecars connecting with a `weft token create` user entitled to
// exactly their identity. West's control plane announces its east-west gateway's address.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NatsTrust } from '../../scripts/lib/nats-trust.mjs';
import { canConnect, freePort, get, HOST, waitFor } from './net.mjs';
import { startPinned } from './processes.mjs';
import { sharedRootCa } from './shared-root-ca.mjs';
import {
  applyResources,
  imageNodeOptions,
  startControlPlane,
  startSidecar,
  weftEnv,
} from './weft.mjs';

const STARTUP_TIMEOUT_MS = 45_000;

/** Mesh-wide STRICT in every cluster: every HTTP hop is mTLS, as a secure-by-default mesh runs. */
const STRICT = {
  apiVersion: 'weft.dev/v1alpha1',
  kind: 'PeerAuthentication',
  metadata: { name: 'strict', namespace: 'weft-system' },
  spec: { mtls: { mode: 'STRICT' } },
};

/**
 * Cluster `name`: its nats-server (linked to each leaf-node URL of `links`) and control plane (with
 * `env` on top: its CA, its gateway), on `core`. Resolves to a mesh object `startSidecar` and
 * `applyResources` take, plus `name`, `leafPort`, `nats` (the server process) and `procs`.
 */
async function startCluster(trust, { root, natsPath, workDir, core }, name, links, env) {
  const dir = join(workDir, name);
  mkdirSync(dir, { recursive: true });
  const [natsPort, leafPort] = [await freePort(), await freePort()];
  const config = await trust.clusterConfig(name, {
    listen: `${HOST}:${natsPort}`,
    leafnodeListen: `${HOST}:${leafPort}`,
    storeDir: join(dir, 'jetstream'),
    links,
  });
  const nats = startPinned(`nats-server ${name}`, core, natsPath, ['-c', config], {
    logFile: join(dir, 'nats.log'),
  });
  await waitFor(`nats-server of ${name}`, () => canConnect(natsPort), STARTUP_TIMEOUT_MS);
  const { controlPlane, adminPort, adminAuth } = await startControlPlane({
    root,
    dir,
    natsPort,
    core,
    name: `control-plane-${name}`,
    // Exports announced every second: the importing cluster sees them soon after the apply.
    env: {
      ...trust.controlPlaneEnv(),
      WEFT_CLUSTER: name,
      WEFT_CLUSTERSET_INTERVAL_MS: '1000',
      ...env,
    },
  });
  const cluster = { name, root, dir, natsPort, leafPort, adminPort, adminAuth, trust };
  Object.assign(cluster, { nats, procs: [nats, controlPlane] });
  await applyResources(cluster, [STRICT]);
  return cluster;
}

/**
 * East, then west with a leaf-node link to east's listener (the `cluster-link` user), both on
 * `core`; resolves once west's server logs the link. `loopDelayDir`: where sidecars report their
 * event-loop delay (lib/loop-delay.mjs). West's control plane announces `west.gatewayPort` as its
 * east-west gateway's (started by `startEastWestGateway`, by the row that uses it).
 */
export async function startClusters({ root, natsPath, workDir, core, loopDelayDir }) {
  const trust = await NatsTrust.generate(join(workDir, 'nats-auth'));
  const caDir = join(workDir, 'ca');
  mkdirSync(caDir, { recursive: true });
  const ca = sharedRootCa(caDir, ['east', 'west']);
  const gatewayPort = await freePort();
  const where = { root, natsPath, workDir, core };
  const east = await startCluster(trust, where, 'east', [], ca.east);
  const west = await startCluster(trust, where, 'west', [`nats-leaf://${HOST}:${east.leafPort}`], {
    ...ca.west,
    WEFT_EASTWEST_GATEWAY: `${HOST}:${gatewayPort}`,
  });
  west.gatewayPort = gatewayPort;
  await waitFor(
    'the leaf-node link west → east',
    () => readFileSync(west.nats.logFile, 'utf8').includes('Leafnode connection created'),
    STARTUP_TIMEOUT_MS,
  );
  for (const cluster of [east, west]) cluster.loopDelayDir = loopDelayDir;
  return { east, west };
}

/** A sidecar of `service` (namespace default) in `cluster`, with a NATS user of its own identity. */
export async function startClusterSidecar(cluster, { service, appPort, core }) {
  const credentials = await cluster.trust.proxyEnv({ service });
  return startSidecar(cluster, {
    service,
    appPort,
    core,
    env: { ...credentials, WEFT_CLUSTER: cluster.name },
  });
}

/**
 * `cluster`'s east-west gateway (a router in eastwest mode, its NATS user a `router` entitled to
 * weft-system/eastwest) on `cluster.gatewayPort`, pinned to `core`; resolves to its process once
 * its /readyz answers 200.
 */
export async function startEastWestGateway(cluster, { core }) {
  const identity = { WEFT_MODE: 'eastwest', WEFT_NAMESPACE: 'weft-system' };
  const credentials = await cluster.trust.proxyEnv({
    role: 'router',
    namespace: 'weft-system',
    service: 'eastwest',
  });
  const adminPort = await freePort();
  const proc = startPinned(
    `east-west gateway ${cluster.name}`,
    core,
    process.execPath,
    [...imageNodeOptions(cluster.root), join(cluster.root, 'dist/apps/router/main.js')],
    {
      cwd: cluster.root,
      env: weftEnv(cluster.natsPort, {
        ...credentials,
        ...identity,
        WEFT_CLUSTER: cluster.name,
        WEFT_LISTEN_PORT: String(cluster.gatewayPort),
        WEFT_ADMIN_PORT: String(adminPort),
        WEFT_BIND_ADDRESS: HOST,
        WEFT_STATE_DIR: join(cluster.dir, 'eastwest'),
        WEFT_DRAIN_GRACE_MS: '0',
      }),
      logFile: join(cluster.dir, 'eastwest.log'),
    },
  );
  const ready = async () => (await get(adminPort, '/readyz')).status === 200;
  await waitFor(`${cluster.name}'s east-west gateway`, ready, STARTUP_TIMEOUT_MS);
  return proc;
}

/** Resolves once `cluster`'s control plane sees proxy `instanceId` ACK `revision` (or later). */
export function waitForAck(cluster, instanceId, revision) {
  const acked = async () => {
    const { items } = JSON.parse(
      (await get(cluster.adminPort, '/v1/proxies', cluster.adminAuth)).body,
    );
    return items.some((p) => p.id === instanceId && p.status === 'ACK' && p.revision >= revision);
  };
  return waitFor(`${instanceId} at revision ${revision}`, acked, STARTUP_TIMEOUT_MS);
}

/** Resolves once `cluster` imports `service` (namespace default) with endpoints from `from`. */
export function waitForImport(cluster, service, from) {
  const imported = async () => {
    const { imports } = JSON.parse(
      (await get(cluster.adminPort, '/v1/clusterset', cluster.adminAuth)).body,
    );
    return imports.some((i) => i.cluster === from && i.service === service && i.endpoints.length);
  };
  return waitFor(
    `${cluster.name}'s import of ${service} from ${from}`,
    imported,
    STARTUP_TIMEOUT_MS,
  );
}
