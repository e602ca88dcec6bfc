// `npm run example:edge`: examples/edge on this machine — no NATS, no control plane: certificates
// made with openssl, the two backends, and a router in edge mode serving the Gateway from the folder.
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDemoApp } from '../lib/demo-app.mjs';
import {
  appMain,
  checkBuilt,
  ExampleError,
  ExampleRun,
  HOST,
  printTryIt,
  requireFreePorts,
  ROOT,
  say,
} from '../lib/example-run.mjs';
import { http } from '../lib/http.mjs';

/** Ports as in examples/edge/*.yaml and the README. */
const [HTTP_PORT, HTTPS_PORT, ADMIN] = [8080, 8443, 15000];
const APPS = [
  { service: 'shop', version: 'v1', instance: 'shop-1', port: 9101 },
  { service: 'api', version: 'v1', instance: 'api-1', port: 9102 },
];

const run = new ExampleRun({
  name: 'edge',
  stopOrder: [
    { role: 'router', label: 'edge router (draining)', timeoutMs: 15_000 },
    { role: 'app', label: 'backends' },
  ],
});

/** A self-signed certificate per hostname, as the Secret folders `<dir>/<host>-tls/tls.{crt,key}`. */
function makeCertificates(dir) {
  for (const host of ['shop', 'api']) {
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
  say(`certificates for shop.example.test and api.example.test in ${dir}`);
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
      WEFT_CONFIG_DIR: join(ROOT, 'examples/edge'),
      WEFT_CERT_DIR: certs,
      WEFT_ADMIN_PORT: String(ADMIN),
      WEFT_STATE_DIR: run.stateDir,
    },
    'edge-router',
  );
  await run.waitReady(router, `http://${HOST}:${ADMIN}/readyz`);
  const res = await http('GET', `http://${HOST}:${HTTP_PORT}/cart?x=1`, {
    headers: { host: 'shop.example.test' },
  });
  if (res.status !== 301) {
    throw new ExampleError(`the HTTP listener answered ${res.status}, not the 301 to HTTPS`);
  }
  say(`edge router serves the Gateway: :${HTTP_PORT} redirects to ${res.headers.location}`);
  const resolve = ['shop', 'api'].map((h) => `--resolve ${h}.example.test:${HTTPS_PORT}:${HOST}`);
  const curl = `curl -s ${resolve.join(' ')} --cacert ${certs}/ca.pem`;
  printTryIt(
    [
      'The edge router is up (no NATS, no control plane). Try, in another terminal:',
      '',
      `  curl -si -H 'Host: shop.example.test' 'http://${HOST}:${HTTP_PORT}/cart?x=1'   # 301 to HTTPS`,
      `  ${curl} https://shop.example.test:${HTTPS_PORT}/            # shop, over HTTP/2`,
      `  ${curl} https://shop.example.test:${HTTPS_PORT}/api/items   # api (path routing)`,
      `  ${curl} https://api.example.test:${HTTPS_PORT}/v1/items     # api (host routing)`,
      `  ${curl} -i https://api.example.test:${HTTPS_PORT}/admin     # 404, x-weft-error: no_route`,
    ],
    run.logDir,
  );
});
