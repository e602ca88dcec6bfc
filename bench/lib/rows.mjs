// The rows of the benchmark: what each one starts in front of the upstream and where wrk points.
import { join } from 'node:path';
import { busRow } from './bus-row.mjs';
import { startCaddy } from './caddy.mjs';
import { startHaproxy } from './haproxy.mjs';
import { MTLS_ROWS } from './mtls-rows.mjs';
import { freePort } from './net.mjs';
import { startNginxProxy } from './nginx.mjs';
import { startPinned } from './processes.mjs';
import { ROUTER_ROWS } from './router-rows.mjs';
import {
  applyResources,
  MESH_SERVICE,
  MTLS_SERVICE,
  startSidecar,
  startTwoHops,
  waitForRoute,
} from './weft.mjs';

/**
 * Telemetry publishing on every second (snapshots) and access logs on the bus at the default 50
 * records a second: what the telemetry rows compare against the same sidecar with both off.
 */
const TELEMETRY_ON = { WEFT_TELEMETRY_INTERVAL_MS: '1000' };
const TELEMETRY_OFF = { WEFT_TELEMETRY: 'off', WEFT_ACCESS_LOG_PUBLISH_RATE: '0' };

/**
 * A row calling one sidecar's inbound port (service `up`, its app the upstream), with `env`.
 * `stallNats`: the mesh's nats-server is stopped (SIGSTOP) once the sidecar is ready and
 * continued (SIGCONT) when the row ends, so the whole measurement runs with publishes going to a
 * server that reads nothing, then to none at all once the client declares the connection stale.
 */
function oneHopRow(id, label, env = {}, stallNats = false) {
  return {
    id,
    label,
    missing: (ctx) => ctx.meshNote,
    start: async (ctx) => {
      const up = await startSidecar(ctx.mesh, {
        service: MESH_SERVICE,
        appPort: ctx.upstreamPort,
        core: ctx.proxyCore,
        profileDir: ctx.profileDir?.(id),
        env,
      });
      if (!stallNats) return { procs: [up.proc], port: up.inboundPort };
      const nats = ctx.mesh.procs[0];
      process.kill(nats.pid, 'SIGSTOP');
      return {
        procs: [up.proc],
        port: up.inboundPort,
        release: () => process.kill(nats.pid, 'SIGCONT'),
      };
    },
  };
}

/** The Service the 1-hop row routes to: the upstream, declared as an ExternalService. */
export const ROUTED_SERVICE = 'up-ext';

/**
 * What the 1-hop row routes by (issue 4: routing on): the upstream as an ExternalService, and an
 * HTTPRoute on it with an exact path, a header match and the prefix every bench request takes.
 */
export function routedResources(upstreamPort) {
  const route = (matches) => ({ matches, backendRefs: [{ name: ROUTED_SERVICE }] });
  return [
    {
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'ExternalService',
      metadata: { name: ROUTED_SERVICE },
      spec: { endpoints: [{ address: '127.0.0.1', port: upstreamPort }] },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: ROUTED_SERVICE },
      spec: {
        parentRefs: [{ kind: 'Service', name: ROUTED_SERVICE }],
        rules: [
          route([{ path: { type: 'Exact', value: '/healthz' } }]),
          route([{ headers: [{ name: 'x-canary', value: 'yes' }] }]),
          route([{ path: { type: 'PathPrefix', value: '/' } }]),
        ],
      },
    },
  ];
}

/**
 * One Weft hop as an app's call takes it: into a sidecar's outbound listener, through its route
 * table (an HTTPRoute's rules), to the upstream. The sidecar's own app is the upstream too (a
 * sidecar is ready once its app answers); nothing calls it.
 */
const routedHopRow = {
  id: 'weft-1hop',
  label: 'Weft sidecar (1 hop, routed)',
  missing: (ctx) => ctx.meshNote,
  start: async (ctx) => {
    await applyResources(ctx.mesh, routedResources(ctx.upstreamPort));
    const caller = await startSidecar(ctx.mesh, {
      service: 'caller',
      appPort: ctx.upstreamPort,
      core: ctx.proxyCore,
      profileDir: ctx.profileDir?.('weft-1hop'),
    });
    await waitForRoute(caller.outboundPort, ROUTED_SERVICE);
    return { procs: [caller.proc], port: caller.outboundPort, host: ROUTED_SERVICE };
  },
};

/**
 * The row of a reference proxy (`tool`, also its id and label) on the proxy core in front of the
 * upstream; `start(path, {workDir, core, port, upstreamPort})` starts it from its binary's path.
 */
function referenceRow(tool, start) {
  return {
    id: tool,
    label: tool,
    missing: (ctx) => ctx.tools[tool].note,
    start: async (ctx) => {
      const port = await freePort();
      const where = {
        workDir: ctx.workDir,
        core: ctx.proxyCore,
        port,
        upstreamPort: ctx.upstreamPort,
      };
      return { procs: [start(ctx.tools[tool].path, where)], port };
    },
  };
}

/**
 * Each row: `id` (for --rows), `label`, `missing(ctx)` (why it cannot run here, or undefined) and
 * `start(ctx)` resolving to `{procs, port, host, release?, helpers?, rate?}`: the proxy processes
 * under test (CPU and RSS are summed over them and their children), the port the client calls,
 * its Host header, what to undo when the row ends, processes the row runs for the load's sake
 * (counted as the bench's own CPU) and a fixed rate of its own instead of `--rate`.
 * `ctx.profileDir(rowId)`, set with --cpu-prof, is where Weft sidecars write CPU profiles.
 */
export const ROWS = [
  {
    id: 'direct',
    label: 'direct (no proxy)',
    missing: () => undefined,
    start: async (ctx) => ({ procs: [], port: ctx.upstreamPort }),
  },
  referenceRow('nginx', (path, where) => startNginxProxy({ nginxPath: path, ...where })),
  referenceRow('haproxy', (path, where) => startHaproxy({ haproxyPath: path, ...where })),
  referenceRow('caddy', (path, where) => startCaddy({ caddyPath: path, ...where })),
  routedHopRow,
  {
    id: 'weft-2hop',
    label: 'Weft sidecar→sidecar (2 hops)',
    missing: (ctx) => ctx.meshNote,
    start: (ctx) => startTwoHops(ctx, MESH_SERVICE, 'weft-2hop'),
  },
  {
    id: 'weft-2hop-mtls',
    label: 'Weft sidecar→sidecar (2 hops), mTLS',
    missing: (ctx) => ctx.meshNote,
    start: (ctx) => startTwoHops(ctx, MTLS_SERVICE, 'weft-2hop-mtls'),
  },
  ...MTLS_ROWS,
  oneHopRow('weft-telemetry-off', 'Weft sidecar, telemetry off', TELEMETRY_OFF),
  oneHopRow('weft-telemetry-on', 'Weft sidecar, telemetry on', TELEMETRY_ON),
  oneHopRow(
    'weft-telemetry-stalled',
    'Weft sidecar, telemetry on, NATS stalled',
    TELEMETRY_ON,
    true,
  ),
  busRow,
  ...ROUTER_ROWS,
  {
    id: 'fastify',
    label: '@fastify/http-proxy',
    missing: () => undefined,
    start: async (ctx) => {
      const port = await freePort();
      const proc = startPinned(
        'fastify-proxy',
        ctx.proxyCore,
        process.execPath,
        [join(ctx.root, 'bench/lib/fastify-proxy.mjs')],
        {
          cwd: ctx.root,
          env: { BENCH_PORT: String(port), BENCH_UPSTREAM_PORT: String(ctx.upstreamPort) },
          logFile: join(ctx.workDir, 'fastify-proxy.log'),
        },
      );
      return { procs: [proc], port };
    },
  },
];
