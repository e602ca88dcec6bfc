// The router rows: one router (router mode, routing by Host to the upstream as a static endpoint)
// with 1 and 2 replicas sharing its port (WEFT_ROUTER_REPLICAS), on the proxy core alone and,
// for 2 replicas, on both cores, where the second replica competes with wrk and the upstream.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, get, waitFor } from './net.mjs';
import { startPinned } from './processes.mjs';
import { imageNodeOptions } from './weft.mjs';

/** The Host the client sends: a static endpoint in front of the upstream. */
const ROUTED_SERVICE = 'up';

/**
 * A row for a router with `replicas` processes pinned to `cores` (`'proxy'`: the proxy core;
 * `'all'`: the proxy and the load core). Its config is a folder (no NATS on the request path).
 */
function routerRow(id, label, replicas, cores) {
  return {
    id,
    label,
    missing: (ctx) =>
      existsSync(join(ctx.root, 'dist/apps/router/main.js')) ? undefined : 'run npm run build',
    start: async (ctx) => {
      const config = join(ctx.workDir, `${id}-config`);
      mkdirSync(config, { recursive: true });
      writeFileSync(
        join(config, 'up.yaml'),
        `apiVersion: weft.dev/v1alpha1
kind: ExternalService
metadata: { name: ${ROUTED_SERVICE} }
spec: { endpoints: [{ address: 127.0.0.1, port: ${ctx.upstreamPort} }] }
`,
      );
      const [port, adminPort] = [await freePort(), await freePort()];
      const core = cores === 'all' ? `${ctx.proxyCore},${ctx.loadCore}` : ctx.proxyCore;
      const proc = startPinned(
        id,
        core,
        process.execPath,
        [...imageNodeOptions(ctx.root), join(ctx.root, 'dist/apps/router/main.js')],
        {
          cwd: ctx.root,
          env: {
            WEFT_MODE: 'router',
            WEFT_CONFIG_DIR: config,
            WEFT_ROUTER_REPLICAS: String(replicas),
            WEFT_LISTEN_PORT: String(port),
            WEFT_ADMIN_PORT: String(adminPort),
            WEFT_BIND_ADDRESS: '127.0.0.1',
            WEFT_STATE_DIR: join(ctx.workDir, id),
            WEFT_LOG_LEVEL: 'warn',
            WEFT_DRAIN_GRACE_MS: '0',
          },
          logFile: join(ctx.workDir, `${id}.log`),
        },
      );
      // Every replica up before measuring: CPU and RSS are summed over the primary and them.
      for (let i = 0; i < replicas; i++) {
        const ready = async () => (await get(adminPort + i, '/readyz')).status === 200;
        await waitFor(`${id} replica ${i}`, ready, 30_000);
      }
      return { procs: [proc], port, host: ROUTED_SERVICE };
    },
  };
}

export const ROUTER_ROWS = [
  routerRow('weft-router-1', 'Weft router, 1 replica', 1, 'proxy'),
  routerRow('weft-router-2', 'Weft router, 2 replicas (same core)', 2, 'proxy'),
  routerRow('weft-router-2-both', 'Weft router, 2 replicas (both cores)', 2, 'all'),
];
