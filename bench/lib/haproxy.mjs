// haproxy in the foreground with its own config in the work dir: one thread, connections to the
// upstream kept alive and shared (`http-reuse always`) unless the backend says otherwise.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPinned } from './processes.mjs';
import { HOST } from './net.mjs';

/**
 * Starts haproxy as `name` on `core`, listening on 127.0.0.1:<port> and proxying to
 * 127.0.0.1:<upstreamPort>. `serverOptions` end the backend's `server` line (TLS origination…),
 * `backendLines` are added to the backend (connection handling).
 */
export function startHaproxy({
  haproxyPath,
  workDir,
  core,
  port,
  upstreamPort,
  name = 'haproxy',
  serverOptions = '',
  backendLines = [],
}) {
  const dir = join(workDir, name);
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
${backendLines.map((line) => `  ${line}\n`).join('')}  server app ${HOST}:${upstreamPort} ${serverOptions}
`,
  );
  // -db: stay in the foreground, no master process.
  return startPinned(name, core, haproxyPath, ['-db', '-f', configFile], {
    logFile: join(dir, 'stdout.log'),
  });
}
