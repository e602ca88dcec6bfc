// A local Weft mesh from dist/: nats-server and the control plane (started once, on the load
// core, idle during measurements) and sidecars started per row on the proxy core.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { loopDelayProbe } from './loop-delay.mjs';
import { answers200, canConnect, freePort, get, waitFor } from './net.mjs';
import { startPinned } from './processes.mjs';

const STARTUP_TIMEOUT_MS = 30_000;

/** The Service of the plaintext mesh rows: its sidecar's inbound listener is under DISABLE. */
export const MESH_SERVICE = 'up';

/** The Service of the mTLS rows: its sidecars' inbound listeners are STRICT. */
export const MTLS_SERVICE = 'up-mtls';

/**
 * The mesh's PeerAuthentications: mesh-wide DISABLE, so the plaintext rows measure Weft without
 * mTLS (and wrk can call an inbound port), and STRICT for the workloads of the mTLS rows.
 */
const PEER_AUTHENTICATIONS = [
  {
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'PeerAuthentication',
    metadata: { name: 'plaintext-rows', namespace: 'weft-system' },
    spec: { mtls: { mode: 'DISABLE' } },
  },
  {
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'PeerAuthentication',
    metadata: { name: 'mtls-rows' },
    spec: { selector: { matchLabels: { app: MTLS_SERVICE } }, mtls: { mode: 'STRICT' } },
  },
];

/**
 * The node options the image runs Weft with (the Dockerfile's ENTRYPOINT, between `node` and the
 * entry script), so that the bench measures the processes as deployed.
 */
export function imageNodeOptions(root) {
  const entrypoint = /^ENTRYPOINT (.*)$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'));
  return entrypoint ? JSON.parse(entrypoint[1]).slice(1, -1) : [];
}

/** What the Weft rows need that may be missing: built apps and a nats-server binary. */
export function weftMissing(root, natsPath) {
  if (!existsSync(join(root, 'dist/apps/sidecar/main.js')))
    return 'dist/ not built (npm run build)';
  if (!natsPath) return 'no nats-server binary (apt-get install nats-server)';
  return undefined;
}

/**
 * Environment common to Weft processes: quiet logs, and tracing on but sampled out (issue 4's
 * condition): an OTLP exporter is configured, and a ratio of 0 samples no request, so spans are
 * made and propagated but nothing is exported (the port is never dialled).
 */
export function weftEnv(natsPort, extra) {
  return {
    NATS_URL: `nats://127.0.0.1:${natsPort}`,
    WEFT_LOG_LEVEL: 'warn',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0',
    ...extra,
  };
}

/**
 * Applies resources (JSON objects) through the control plane's admin API; throws unless 200.
 * Resolves to the answer (`{revision, …}`).
 */
export async function applyResources(mesh, resources) {
  const res = await request(`http://127.0.0.1:${mesh.adminPort}/v1/apply`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...mesh.adminAuth },
    body: JSON.stringify(resources),
  });
  const body = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`apply failed: ${res.statusCode} ${body}`);
  return JSON.parse(body);
}

/**
 * Starts a control plane (as `name`, its files in `dir`) on the nats-server at 127.0.0.1:<natsPort>,
 * pinned to `core`, with `env` (NATS credentials, the CA's sealing key, its cluster…) and node
 * options `nodeArgs`; resolves once /readyz answers 200, to `{controlPlane, adminPort, adminAuth}`:
 * the process, its admin port and the header with the admin token it made at start.
 */
export async function startControlPlane({
  root,
  dir,
  natsPort,
  core,
  env = {},
  nodeArgs = [],
  name = 'control-plane',
}) {
  const adminPort = await freePort();
  const tokenFile = join(dir, `${name}-admin-token`);
  const controlPlane = startPinned(
    name,
    core,
    process.execPath,
    [...imageNodeOptions(root), ...nodeArgs, join(root, 'dist/apps/control-plane/main.js')],
    {
      cwd: root,
      env: weftEnv(natsPort, {
        WEFT_ADMIN_PORT: String(adminPort),
        WEFT_ADMIN_TOKEN_FILE: tokenFile,
        ...env,
      }),
      logFile: join(dir, `${name}.log`),
    },
  );
  const readyz = async () => (await get(adminPort, '/readyz')).status === 200;
  await waitFor(name, readyz, STARTUP_TIMEOUT_MS);
  // Every admin API request carries the token the control plane made at start.
  const token = readFileSync(tokenFile, 'utf8').trim();
  return { controlPlane, adminPort, adminAuth: { authorization: `Bearer ${token}` } };
}

/**
 * Starts nats-server (JetStream) and the control plane with the mesh CA on and the rows'
 * PeerAuthentications applied; resolves once /readyz answers 200.
 * `natsConfig` is the text of a server config file (accounts…), `controlPlaneEnv` more env,
 * `controlPlaneNodeArgs` node options the control plane runs with (--cpu-prof is refused in NODE_OPTIONS).
 */
export async function startMesh({
  root,
  natsPath,
  workDir,
  core,
  natsConfig,
  controlPlaneEnv,
  controlPlaneNodeArgs = [],
}) {
  const dir = join(workDir, 'mesh');
  mkdirSync(dir, { recursive: true });
  const natsPort = await freePort();
  const configArgs = [];
  if (natsConfig !== undefined) {
    writeFileSync(join(dir, 'nats.conf'), natsConfig);
    configArgs.push('-c', join(dir, 'nats.conf'));
  }
  const nats = startPinned(
    'nats-server',
    core,
    natsPath,
    [
      ...configArgs,
      ...['-js', '-a', '127.0.0.1', '-p', String(natsPort), '-sd', join(dir, 'jetstream')],
    ],
    { logFile: join(dir, 'nats.log') },
  );
  await waitFor('nats-server', () => canConnect(natsPort), STARTUP_TIMEOUT_MS);
  // The mesh CA is on (its sealing key made here): sidecars get workload certificates.
  const caKeyFile = join(dir, 'ca-encryption.key');
  writeFileSync(caKeyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
  const { controlPlane, adminPort, adminAuth } = await startControlPlane({
    root,
    dir,
    natsPort,
    core,
    env: { WEFT_CA_ENCRYPTION_KEY_FILE: caKeyFile, ...controlPlaneEnv },
    nodeArgs: controlPlaneNodeArgs,
  });
  const mesh = {
    root,
    dir,
    natsPort,
    adminPort,
    adminAuth,
    procs: [nats, controlPlane],
    controlPlane,
  };
  await applyResources(mesh, PEER_AUTHENTICATIONS);
  return mesh;
}

/**
 * Starts a sidecar for `service` in front of 127.0.0.1:<appPort>, pinned to `core`; resolves to
 * `{proc, instanceId, inboundPort, outboundPort, adminPort}` once it is ready and the control
 * plane lists it (as the service's only endpoint). With `profileDir`, node writes a CPU profile
 * there when the sidecar exits; `env` adds to its environment, `nodeArgs` to node's options.
 * When `mesh.loopDelayDir` is set, the sidecar records its event-loop delay there
 * (loop-delay.mjs) and `proc.loopDelayDir` says so.
 */
export async function startSidecar(
  mesh,
  { service, appPort, core, profileDir, env = {}, nodeArgs = [] },
) {
  const [inboundPort, outboundPort, adminPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const instanceId = `${service}-${inboundPort}`;
  const profiling = profileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${instanceId}.cpuprofile`]
    : [];
  const probe = mesh.loopDelayDir ? loopDelayProbe(mesh.loopDelayDir) : { nodeArgs: [], env: {} };
  const proc = startPinned(
    `sidecar ${service}`,
    core,
    process.execPath,
    [
      ...imageNodeOptions(mesh.root),
      ...profiling,
      ...probe.nodeArgs,
      ...nodeArgs,
      join(mesh.root, 'dist/apps/sidecar/main.js'),
    ],
    {
      cwd: mesh.root,
      env: weftEnv(mesh.natsPort, {
        WEFT_SERVICE: service,
        WEFT_INSTANCE_ID: instanceId,
        WEFT_APP_PORT: String(appPort),
        WEFT_INBOUND_PORT: String(inboundPort),
        WEFT_OUTBOUND_PORT: String(outboundPort),
        WEFT_ADMIN_PORT: String(adminPort),
        WEFT_STATE_DIR: join(mesh.dir, instanceId),
        // Stop at once when the row ends: no load balancer needs time to notice.
        WEFT_DRAIN_GRACE_MS: '0',
        ...probe.env,
        ...env,
      }),
      logFile: join(mesh.dir, `${instanceId}.log`),
    },
  );
  proc.loopDelayDir = mesh.loopDelayDir;
  const listed = async () => {
    const { items } = JSON.parse((await get(mesh.adminPort, '/v1/endpoints', mesh.adminAuth)).body);
    const entry = items.find((item) => item.service === service);
    return entry?.endpoints.length === 1 && entry.endpoints[0].instanceId === instanceId;
  };
  await waitFor(`sidecar ${service}`, listed, STARTUP_TIMEOUT_MS);
  return { proc, instanceId, inboundPort, outboundPort, adminPort };
}

/** Resolves once GET / through `port` with `Host: <host>` answers 200 (routes converged). */
export function waitForRoute(port, host) {
  return waitFor(`route to ${host}`, () => answers200(port, { host }), STARTUP_TIMEOUT_MS);
}

/**
 * The 2-hop mesh path to `service`: its sidecar in front of the upstream, and a `client` sidecar
 * whose outbound port the load goes to with `Host: <service>`; resolves once the route answers.
 */
export async function startTwoHops(ctx, service, rowId) {
  const { mesh } = ctx;
  const sidecar = (name) =>
    startSidecar(mesh, {
      service: name,
      appPort: ctx.upstreamPort,
      core: ctx.proxyCore,
      profileDir: ctx.profileDir?.(rowId),
    });
  const up = await sidecar(service);
  // The bench never calls the client's own app, but a sidecar is ready only once its app
  // answers: the upstream stands in for it.
  const client = await sidecar('client');
  await waitForRoute(client.outboundPort, service);
  return { procs: [client.proc, up.proc], port: client.outboundPort, host: service };
}
