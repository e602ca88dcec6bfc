// The examples' workloads: examples/demo-service/server.mjs processes, started and waited for.
import { join } from 'node:path';
import { HOST, ROOT } from './example-run.mjs';

const DEMO_APP = join(ROOT, 'examples/demo-service/server.mjs');

/**
 * Starts one demo app (`service`, `version`, `instance`, `port`); with `upstream`, its `GET /`
 * also calls that service through `127.0.0.1:<outboundPort>` (a sidecar, node proxy or router).
 * Resolves the process entry once its /readyz answers; unless `wait` is false.
 */
export async function startDemoApp(
  run,
  { service, version, instance, port, upstream, outboundPort },
  wait = true,
) {
  const app = run.startNode(
    `${instance} app`,
    'app',
    DEMO_APP,
    {
      NAME: service,
      VERSION: version,
      INSTANCE: instance,
      PORT: String(port),
      ...(upstream
        ? { UPSTREAM_SERVICE: upstream, OUTBOUND_PORT: String(outboundPort) }
        : { UPSTREAM_SERVICE: '' }),
    },
    `${instance}-app`,
  );
  if (wait) await run.waitReady(app, `http://${HOST}:${port}/readyz`);
  return app;
}
