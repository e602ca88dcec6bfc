// `npm run example:edge`: examples/edge on this machine — no NATS, no control plane: certificates
// made with openssl, the three backends, and a router in edge mode serving the Gateway from the folder.
import '../lib/supported-node-guard.mjs'; // first: an unsupported Node.js gets one message, not a stack trace
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
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

/** Ports as in examples/edge/*.yaml and the README (WEFT_EXAMPLE_PORTS moves them). */
const [HTTP_PORT, HTTPS_PORT, ADMIN] = [8080, 8443, 15000].map(port);
/** The apps of every example; at the edge, web calls nothing (no proxy beside it to call through). */
const APPS = [
  { service: 'api', version: 'v1', instance: 'api-1', port: port(9101) },
  { service: 'api', version: 'v2', instance: 'api-2', port: port(9102) },
  { service: 'web', version: 'v1', instance: 'web-1', port: port(9103) },
];
const HOSTS = ['web', 'api'];

const run = new ExampleRun({
  name: 'edge',
  stopOrder: [
    { role: 'router', label: 'edge router (draining)', timeoutMs: 15_000 },
    { role: 'app', label: 'backends' },
  ],
});

/** A self-signed certificate per hostname, as the Secret folders `<dir>/<host>-tls/tls.{crt,key}`. */
function makeCertificates(dir) {
  for (const host of HOSTS) {
    const secret = join(dir, `${host}-tls`);
    mkdirSync(secret, { recursive: true });
    const name = `${host}.example.test`;
    try {
      execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', `/CN=${name}`]
          .concat(['-addext', `subjectAltName=DNS:${name}`])
          .concat(['-keyout', join(secret, 'tls.key'), '-out', join(secret, 'tls.crt')]),
        { stdio: 'ignore' },
      );
    } catch (err) {
      throw new ExampleError(
        `openssl could not make a certificate (${err.message}); install openssl`,
      );
    }
    // curl takes one --cacert: both certificates in one bundle.
    appendFileSync(join(dir, 'ca.pem'), readFileSync(join(secret, 'tls.crt')));
  }
  say(`certificates for ${HOSTS.map((h) => `${h}.example.test`).join(' and ')} in ${dir}`);
}

run.start(async () => {
  checkBuilt(['router']);
  await requireFreePorts([HTTP_PORT, HTTPS_PORT, ADMIN, ...APPS.map((a) => a.port)]);
  const certs = join(run.workDir, 'certs');
  makeCertificates(certs);
  for (const app of APPS) await startDemoApp(run, app);
  const router = run.startNode(
    'edge router',
    'router',
    appMain('router'),
    {
      WEFT_MODE: 'edge',
      WEFT_GATEWAY: 'edge',
      WEFT_CONFIG_DIR: exampleFolder('examples/edge', join(run.workDir, 'config')),
      WEFT_CERT_DIR: certs,
      WEFT_ADMIN_PORT: String(ADMIN),
      WEFT_STATE_DIR: run.stateDir,
    },
    'edge-router',
  );
  await run.waitReady(router, `http://${HOST}:${ADMIN}/readyz`);
  const res = await http('GET', `http://${HOST}:${HTTP_PORT}/cart?x=1`, {
    headers: { host: 'web.example.test' },
  });
  if (res.status !== 301) {
    throw new ExampleError(`the HTTP listener answered ${res.status}, not the 301 to HTTPS`);
  }
  say(`edge router serves the Gateway: :${HTTP_PORT} redirects to ${res.headers.location}`);
  const resolve = HOSTS.map((h) => `--resolve ${h}.example.test:${HTTPS_PORT}:${HOST}`);
  const curl = `curl -s ${resolve.join(' ')} --cacert ${certs}/ca.pem`;
  const [web, api] = HOSTS.map((h) => `https://${h}.example.test:${HTTPS_PORT}`);
  printTryIt(
    [
      'The edge router is up (no NATS, no control plane). Try, in another terminal:',
      '',
      `  curl -si -H 'Host: web.example.test' 'http://${HOST}:${HTTP_PORT}/cart?x=1'   # 301 to HTTPS`,
      `  ${curl} ${web}/                # web, over HTTP/2`,
      `  ${curl} ${web}/api/items       # api (path routing)`,
      `  ${curl} -H 'x-canary: yes' ${api}/   # api v2 (host routing, then route.yaml's canary)`,
      `  for i in $(seq 50); do ${curl} ${api}/ | grep -o '"version":"v[0-9]*"'; done | sort | uniq -c`,
      `  ${curl} -i -H 'Host: admin.example.test' ${web}/   # 404, x-weft-error: no_route`,
    ],
    run.logDir,
  );
});
