// `npm run example:standalone`: examples/standalone on this machine — no NATS, no control plane: a
// standalone sidecar routing by a copy of the folder (edit it: it is re-read), fronting `web`.
import '../lib/supported-node-guard.mjs'; // first: an unsupported Node.js gets one message, not a stack trace
import { join } from 'node:path';
import { startDemoApp } from '../lib/demo-app.mjs';
import { exampleFolder, port, requireFreePorts } from '../lib/example-ports.mjs';
import {
  appMain,
  checkBuilt,
  ExampleError,
  ExampleRun,
  HOST,
  printTryIt,
  say,
} from '../lib/example-run.mjs';
import { http } from '../lib/http.mjs';

/** Ports as in examples/standalone/services.yaml and the README (WEFT_EXAMPLE_PORTS moves them). */
const [INBOUND, OUTBOUND, ADMIN] = [15006, 15001, 15000].map(port);
const APPS = [
  { service: 'api', version: 'v1', instance: 'api-1', port: port(9101) },
  { service: 'api', version: 'v2', instance: 'api-2', port: port(9102) },
  { service: 'web', version: 'v1', instance: 'web-1', port: port(9103), upstream: 'api' },
];

const run = new ExampleRun({
  name: 'standalone',
  stopOrder: [
    { role: 'sidecar', label: 'sidecar (draining)', timeoutMs: 15_000 },
    { role: 'app', label: 'demo apps' },
  ],
});

run.start(async () => {
  checkBuilt(['sidecar']);
  await requireFreePorts([INBOUND, OUTBOUND, ADMIN, ...APPS.map((a) => a.port)]);
  // A copy, always: the README has you edit it while the sidecar runs.
  const config = exampleFolder('examples/standalone', join(run.workDir, 'config'), true);
  for (const app of APPS) await startDemoApp(run, { ...app, outboundPort: OUTBOUND });
  const sidecar = run.startNode(
    'sidecar',
    'sidecar',
    appMain('sidecar'),
    {
      WEFT_MODE: 'standalone',
      WEFT_CONFIG_DIR: config,
      WEFT_SERVICE: 'web',
      WEFT_INSTANCE_ID: 'web-1',
      WEFT_APP_PORT: String(APPS[2].port),
      WEFT_INBOUND_PORT: String(INBOUND),
      WEFT_OUTBOUND_PORT: String(OUTBOUND),
      WEFT_ADMIN_PORT: String(ADMIN),
      WEFT_BIND_ADDRESS: HOST,
      WEFT_STATE_DIR: run.stateDir,
    },
    'sidecar',
  );
  await run.waitReady(sidecar, `http://${HOST}:${ADMIN}/readyz`);
  const res = await http('GET', `http://${HOST}:${INBOUND}/`);
  if (res.status !== 200 || res.json?.upstream?.service !== 'api') {
    throw new ExampleError(`web → api answered ${res.status}: ${res.text.slice(0, 500)}`);
  }
  say(`standalone sidecar answers: inbound → web → outbound → api ${res.json.upstream.version}`);
  const out = `http://${HOST}:${OUTBOUND}`;
  printTryIt(
    [
      'The standalone sidecar is up (no NATS, no control plane). Try, in another terminal:',
      '',
      `  curl -s http://${HOST}:${INBOUND}/                 # web, and the api it called`,
      `  curl -s -H 'Host: api' -H 'x-canary: yes' ${out}/   # always v2`,
      `  for i in $(seq 50); do curl -s -H 'Host: api' ${out}/ | grep -o '"version":"v[0-9]*"'; done | sort | uniq -c`,
      '  # edit the config: it is re-read at once (a broken edit is logged, the last good one serves)',
      `  sed -i 's/weight: 80/weight: 0/' ${config}/route.yaml   # then: all to v2`,
    ],
    run.logDir,
  );
});
