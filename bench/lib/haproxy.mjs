// haproxy in the foreground with its own config in the work dir: one thread, connections to the
// upstream kept alive and shared (`http-reuse always`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPinned } from './processes.mjs';
import { HOST } from './net.mjs';

export function startHaproxy({ haproxyPath, workDir, core, port, upstreamPort }) {
  const dir = join(workDir, 'haproxy');
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'haproxy.cfg');
  writeFileSync(
    configFile,
    `global
  nbthread 1
  maxconn 4096

defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  http-reuse always

frontend bench
  bind ${HOST}:${port}
  default_backend app

backend app
  server app ${HOST}:${upstreamPort}
`,
  );
  // -db: stay in the foreground, no master process.
  return startPinned('haproxy', core, haproxyPath, ['-db', '-f', configFile], {
    logFile: join(dir, 'stdout.log'),
  });
}
