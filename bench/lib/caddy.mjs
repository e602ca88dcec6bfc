// Caddy (Debian's, a Go reverse proxy: the Traefik class of peer) in the foreground with a Caddyfile
// in the work dir: plain HTTP on loopback, no admin endpoint, no automatic HTTPS, no access log.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST } from './net.mjs';
import { startPinned } from './processes.mjs';

/**
 * Starts caddy on `core` as a reverse proxy from 127.0.0.1:<port> to 127.0.0.1:<upstreamPort>
 * (`reverse_proxy`'s defaults: HTTP/1.1 keep-alive to the upstream). Pinned to one core, the Go
 * runtime uses one thread for Go code (GOMAXPROCS follows the CPU affinity), like nginx's one worker.
 */
export function startCaddy({ caddyPath, workDir, core, port, upstreamPort }) {
  const dir = join(workDir, 'caddy');
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'Caddyfile');
  writeFileSync(
    configFile,
    `{
  admin off
  auto_https off
}

http://:${port} {
  bind ${HOST}
  reverse_proxy ${HOST}:${upstreamPort}
}
`,
  );
  // Caddy keeps state under $HOME and $XDG_*: inside the work dir, not the user's.
  return startPinned(
    'caddy',
    core,
    caddyPath,
    ['run', '--config', configFile, '--adapter', 'caddyfile'],
    {
      env: { HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') },
      logFile: join(dir, 'stdout.log'),
    },
  );
}
