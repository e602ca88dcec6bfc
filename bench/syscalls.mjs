// Syscalls per request of the 1-hop row: one sidecar in front of the static upstream, `strace -c -f`
// attached while a fixed number of requests goes through (10 keep-alive connections), so the
// counts divide by a known request count whatever else the machine does.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { startStaticUpstream } from './lib/nginx.mjs';
import { canConnect, freePort, waitFor } from './lib/net.mjs';
import { stopAll } from './lib/processes.mjs';
import { routedResources, ROUTED_SERVICE } from './lib/rows.mjs';
import { ensureTool } from './lib/tools.mjs';
import { applyResources, startMesh, startSidecar, waitForRoute } from './lib/weft.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REQUESTS = Number(process.argv[2] ?? 3000);
const BATCH = 100;
const log = (line) => process.stderr.write(`[syscalls] ${line}\n`);
const workDir = mkdtempSync(join(tmpdir(), 'weft-syscalls-'));

/** `n` GETs through `pool`, `BATCH` at a time, bodies read. */
async function send(pool, n) {
  for (let done = 0; done < n; done += BATCH) {
    const batch = [];
    for (let i = 0; i < Math.min(BATCH, n - done); i++) {
      const headers = { host: ROUTED_SERVICE };
      batch.push(pool.request({ path: '/', method: 'GET', headers }).then((r) => r.body.text()));
    }
    await Promise.all(batch);
  }
}

try {
  const upstreamPort = await freePort();
  const nginxPath = ensureTool('nginx', 'nginx', log).path;
  const natsPath = ensureTool('nats-server', 'nats-server', log).path;
  startStaticUpstream({ nginxPath, workDir, core: 1, port: upstreamPort });
  await waitFor('upstream', () => canConnect(upstreamPort), 10_000);
  const mesh = await startMesh({ root: ROOT, natsPath, workDir, core: 1 });
  await applyResources(mesh, routedResources(upstreamPort));
  const sidecar = await startSidecar(mesh, { service: 'caller', appPort: upstreamPort, core: 0 });
  await waitForRoute(sidecar.outboundPort, ROUTED_SERVICE);
  const pool = new Pool(`http://127.0.0.1:${sidecar.outboundPort}`, { connections: 10 });
  await send(pool, 2_000); // warm-up: connections open, code compiled
  const strace = spawn('strace', ['-c', '-f', '-p', String(sidecar.proc.pid)], {
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  let report = '';
  strace.stderr.on('data', (chunk) => (report += chunk));
  await sleep(1_500); // attached to every thread
  await send(pool, REQUESTS);
  strace.kill('SIGINT');
  await new Promise((done) => strace.once('exit', done));
  await pool.close();
  process.stdout.write(`${REQUESTS} requests through the sidecar:\n`);
  for (const line of report.split('\n')) {
    const row = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$/.exec(line);
    if (row) process.stdout.write(`  ${row[2].padEnd(14)} ${(row[1] / REQUESTS).toFixed(2)}\n`);
  }
} finally {
  await stopAll();
  rmSync(workDir, { recursive: true, force: true });
}
