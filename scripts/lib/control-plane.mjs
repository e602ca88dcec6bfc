// The control plane for the example scripts: started on 15010 (or a free port) with an admin token
// file, a folder of YAML applied through its admin API, and the wait until the listed proxies ACKed
// that revision.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, isPortFree } from '../find-nats.mjs';
import { ExampleError, HOST, ROOT, appMain, say } from './example-run.mjs';
import { port as examplePort, remapPorts } from './example-ports.mjs';
import { http } from './http.mjs';

const CONVERGE_TIMEOUT_MS = 30_000;
const POLL_MS = 200;

/**
 * Starts the control plane against `run.nats` (or `natsEnv`'s server); resolves `{port, url,
 * tokenFile, token}` once it is ready. It makes its admin token in `tokenFile` (0600) at start; the
 * scripts print how to use it. `cluster`: its WEFT_CLUSTER, in a multi-cluster example (one control
 * plane per cluster, on `readmePort`).
 */
export async function startControlPlane(
  run,
  { readmePort = 15010, cluster, natsEnv = run.controlPlaneNatsEnv() } = {},
) {
  const preferred = examplePort(readmePort);
  let port = preferred;
  if (!(await isPortFree(port))) {
    port = await freePort();
    say(`port ${preferred} is busy; the control plane uses ${port} instead`);
  }
  const url = `http://${HOST}:${port}`;
  const suffix = cluster ? `-${cluster}` : '';
  const tokenFile = join(run.stateDir, `admin-token${suffix}`);
  const what = cluster ? `cluster ${cluster}'s control plane` : 'the control plane';
  say(`starting ${what} on :${port}…`);
  const cp = run.startNode(
    cluster ? `control plane ${cluster}` : 'control plane',
    'control-plane',
    appMain('control-plane'),
    {
      ...natsEnv,
      ...(cluster ? { WEFT_CLUSTER: cluster } : {}),
      WEFT_ADMIN_PORT: String(port),
      WEFT_BIND_ADDRESS: HOST,
      WEFT_ADMIN_TOKEN_FILE: tokenFile,
    },
    `control-plane${suffix}`,
  );
  await run.waitReady(cp, `${url}/readyz`);
  say(`${what} ready on :${port}; its admin token is in ${tokenFile}`);
  return { port, url, tokenFile, token: readFileSync(tokenFile, 'utf8').trim() };
}

/** The header every admin API request of the scripts carries. */
export function adminAuth(cp) {
  return { authorization: `Bearer ${cp.token}` };
}

/** The "try it" lines that hand the admin token to the commands after them. */
export function tokenLines(cp) {
  return [
    "  # the admin API's token (the control plane made it at start): curl and weft use it",
    `  export WEFT_TOKEN=$(cat ${cp.tokenFile})`,
  ];
}

/**
 * Every YAML file of `dir` (relative to the repository), in name order, as one batch, with the
 * ports WEFT_EXAMPLE_PORTS moves changed.
 */
export function readManifests(dir) {
  const abs = join(ROOT, dir);
  const files = readdirSync(abs)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  if (files.length === 0) throw new ExampleError(`no YAML files in ${abs}`);
  const texts = files.map((f) => remapPorts(readFileSync(join(abs, f), 'utf8')));
  return { files, text: texts.join('\n---\n') };
}

/** POST /v1/apply of a folder's YAML (retried while no leader is elected yet); the revision. */
export async function applyFolder(run, cp, dir, files = readManifests(dir)) {
  say(`applying ${dir}/{${files.files.join(',')}} via POST ${cp.url}/v1/apply…`);
  const deadline = Date.now() + CONVERGE_TIMEOUT_MS;
  let res;
  for (;;) {
    run.checkStopping();
    res = await http('POST', `${cp.url}/v1/apply`, {
      body: files.text,
      headers: { 'content-type': 'application/yaml', ...adminAuth(cp) },
      timeoutMs: 15_000,
    });
    if (res.status !== 503 || Date.now() > deadline) break;
    await sleep(POLL_MS);
  }
  if (res.status === 422 && Array.isArray(res.json)) {
    const lines = res.json.map((e) => `  ${e.resource} ${e.path}: ${e.message}`);
    throw new ExampleError(`the control plane rejected ${dir}:\n${lines.join('\n')}`);
  }
  if (res.status !== 200 || typeof res.json?.revision !== 'number') {
    throw new ExampleError(`POST /v1/apply answered ${res.status}: ${res.text.slice(0, 500)}`);
  }
  for (const r of res.json.results ?? []) {
    say(`  ${r.resource}: ${r.action}`);
    sayConditions(r.conditions ?? []);
  }
  say(`applied as revision ${res.json.revision}`);
  return res.json.revision;
}

/**
 * A route's conditions that need reading, as `weft apply` prints them. The patterns with a control
 * plane run no Gateway: route.yaml's parent `edge` (examples/edge's) is unmatched there, as meant.
 */
function sayConditions(conditions) {
  for (const c of conditions) {
    say(`    ! ${c.type}=${c.status} (${c.reason}): ${c.message}`);
    if (c.reason === 'NoMatchingParent') say(`      expected: ${NO_GATEWAY_NOTE}`);
  }
}

/** Said wherever the examples show route.yaml's unmatched Gateway parent. */
export const NO_GATEWAY_NOTE =
  "only examples/edge runs a Gateway; here the route's Service parent serves api";

/** Waits until every proxy of `ids` reports an ACK of `revision` (or later) in GET /v1/proxies. */
export async function waitConverged(run, cp, revision, ids, what = 'sidecars') {
  const deadline = Date.now() + CONVERGE_TIMEOUT_MS;
  let pending = ids;
  let items = [];
  while (pending.length > 0) {
    run.checkStopping();
    try {
      const res = await http('GET', `${cp.url}/v1/proxies`, {
        headers: adminAuth(cp),
        timeoutMs: 2_000,
      });
      items = res.json?.items ?? [];
    } catch {
      // the next poll tells
    }
    const byId = new Map(items.map((p) => [p.id, p]));
    pending = ids.filter((id) => {
      const p = byId.get(id);
      return !(p && p.status === 'ACK' && typeof p.revision === 'number' && p.revision >= revision);
    });
    const nacked = items.filter((p) => p.status === 'NACK');
    if (nacked.length > 0) {
      throw new ExampleError(
        `proxies rejected the config: ${nacked.map((p) => `${p.id}: ${p.error}`).join('; ')}`,
      );
    }
    if (pending.length === 0) break;
    if (Date.now() > deadline) {
      const seen = items.map((p) => `${p.id} ${p.status ?? '-'}@${p.revision ?? '-'}`).join(', ');
      throw new ExampleError(
        `${what} ${pending.join(', ')} did not ACK revision ${revision} within ` +
          `${CONVERGE_TIMEOUT_MS / 1000} s (GET /v1/proxies: ${seen || 'none'})`,
      );
    }
    await sleep(POLL_MS);
  }
  say(`all ${ids.length} ${what} ACKed revision ${revision}`);
}
