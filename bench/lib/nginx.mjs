// nginx in the foreground with its own prefix and config in the work dir: the static upstream
// (a fixed 100-byte body) and the reverse-proxy row (one worker, keep-alive to the upstream).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPinned } from './processes.mjs';
import { HOST } from './net.mjs';

/** The upstream's response body: 100 bytes. */
export const BODY = 'x'.repeat(100);

function startNginx({ nginxPath, workDir, name, core, serverBlock }) {
  const prefix = join(workDir, name);
  mkdirSync(prefix, { recursive: true });
  const temp = (kind) => `${kind}_temp_path ${join(prefix, kind)};`;
  const config = `
daemon off;
master_process on;
worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  ${serverBlock}
}
`;
  const configFile = join(prefix, 'nginx.conf');
  writeFileSync(configFile, config);
  return startPinned(
    name,
    core,
    nginxPath,
    ['-p', prefix, '-c', configFile, '-e', join(prefix, 'error.log')],
    { logFile: join(prefix, 'stdout.log') },
  );
}

/** nginx answering every request with 200 and BODY (text/plain). */
export function startStaticUpstream({ nginxPath, workDir, core, port }) {
  const serverBlock = `server {
    listen ${HOST}:${port};
    location / { default_type text/plain; return 200 "${BODY}"; }
  }`;
  return startNginx({ nginxPath, workDir, name: 'upstream', core, serverBlock });
}

/** nginx as a reverse proxy to 127.0.0.1:<upstreamPort>, HTTP/1.1 keep-alive pool of 64. */
export function startNginxProxy({ nginxPath, workDir, core, port, upstreamPort }) {
  const serverBlock = `upstream app {
    server ${HOST}:${upstreamPort};
    keepalive 64;
  }
  server {
    listen ${HOST}:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }`;
  return startNginx({ nginxPath, workDir, name: 'nginx-proxy', core, serverBlock });
}
