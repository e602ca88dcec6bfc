// Finds or starts a NATS server with JetStream for local runs (`npm run demo`):
//   1. NATS_URL, when set, is used as is (checked to accept TCP connections);
//   2. else a local `nats-server` binary (PATH, /usr/sbin, /usr/local/sbin) on a free loopback port;
//   3. else a Docker engine (`docker info` works): `docker run --network host <image>`, the image
//      being WEFT_NATS_IMAGE or the official `nats:2.10`;
//   4. else an Error telling how to get one.
//
//   import { ensureNats } from './find-nats.mjs';
//   const nats = await ensureNats({ log: (line) => console.log(line) });
//   ... nats.url ...
//   await nats.stop(); // stops only what ensureNats started
import { execFile, execFileSync, spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, createWriteStream, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './lib/free-port.mjs';

const HOST = '127.0.0.1';
const READY_LINE = 'Server is ready';
const DEFAULT_IMAGE = 'nats:2.10';
const STARTUP_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 10_000;
const DOCKER_INFO_TIMEOUT_MS = 10_000;
// Pulling the image on first use can take a while on a slow link.
const DOCKER_RUN_TIMEOUT_MS = 5 * 60_000;
const LOG_TAIL_CHARS = 2_000;

export const INSTALL_HINT =
  'Weft needs a NATS server (2.9.10 or newer, with JetStream). Either:\n' +
  '  - Debian/Ubuntu: sudo apt-get install nats-server\n' +
  '  - macOS:         brew install nats-server\n' +
  '  - a running Docker engine (the nats:2.10 image is started for you), or\n' +
  '  - set NATS_URL to a server you run yourself, e.g. NATS_URL=nats://127.0.0.1:4222\n' +
  '    (started with `nats-server -js`).';

/**
 * Returns `{url, source, stop(), kill()}` where source is `env`, `binary` or `docker`; `stop()`
 * stops gracefully what this call started (nothing for NATS_URL), `kill()` is its synchronous
 * last resort for `process.on('exit')`. What it started also has `exited`, a promise of
 * `{code, signal}` that settles when the server ends.
 * Options: `log(line)` for progress lines, `logFile` to receive the server's output,
 * `backends` (default `['binary', 'docker']`) to choose what may be started.
 */
export async function ensureNats({
  log = () => {},
  logFile,
  backends = ['binary', 'docker'],
  serverConfig,
} = {}) {
  const fromEnv = process.env.NATS_URL?.trim();
  if (fromEnv) {
    await checkReachable(fromEnv);
    log(`using NATS_URL=${fromEnv}`);
    return { url: fromEnv, source: 'env', stop: async () => {}, kill: () => {} };
  }
  if (backends.includes('binary')) {
    const bin = findNatsServer();
    if (bin) return startBinary(bin, { log, logFile, serverConfig });
  }
  if (backends.includes('docker') && (await dockerWorks())) {
    return startDocker({ log, logFile, serverConfig });
  }
  throw new Error(
    `no NATS server found: NATS_URL is unset, ${describeMissing(backends)}.\n${INSTALL_HINT}`,
  );
}

function describeMissing(backends) {
  const parts = [];
  if (backends.includes('binary')) parts.push('no nats-server binary is on PATH or in /usr/sbin');
  if (backends.includes('docker')) parts.push('no Docker engine answers `docker info`');
  return parts.join(' and ');
}

// ---------------------------------------------------------------------------------------------
// Helpers shared with the demo

export { freePort, isPortFree } from './lib/free-port.mjs';

/** Resolves once host:port accepts a TCP connection. */
export function canConnect(host, port, timeoutMs = 1_000) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

// ---------------------------------------------------------------------------------------------
// NATS_URL

async function checkReachable(urls) {
  const servers = urls
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const server of servers) {
    const { hostname, port } = parseServer(server);
    if (await canConnect(hostname, port, 3_000)) return;
  }
  throw new Error(
    `NATS_URL=${urls} is set, but no server in it accepts connections; start one ` +
      '(e.g. `nats-server -js`) or unset NATS_URL to let the demo start its own.',
  );
}

function parseServer(server) {
  const withScheme = /^[a-z]+:\/\//i.test(server) ? server : `nats://${server}`;
  const url = new URL(withScheme);
  return { hostname: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 4222) };
}

// ---------------------------------------------------------------------------------------------
// Local binary

/** Path of an executable nats-server: PATH first, then where Debian and Homebrew put it. */
export function findNatsServer() {
  const dirs = [
    ...(process.env.PATH ?? '').split(delimiter),
    '/usr/sbin',
    '/usr/local/sbin',
    '/usr/local/bin',
    '/opt/homebrew/bin',
  ];
  for (const dir of dirs.filter(Boolean)) {
    const candidate = join(dir, 'nats-server');
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function startBinary(bin, { log, logFile, serverConfig }) {
  const storeDir = await mkdtemp(join(tmpdir(), 'weft-nats-'));
  // Another process could take the free port before nats-server binds it: try a few times.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    log(`starting nats-server on ${HOST}:${port}… (${bin}, JetStream store ${storeDir})`);
    try {
      return await launchBinary(bin, port, storeDir, logFile, serverConfig);
    } catch (err) {
      if (attempt < 3 && /address already in use/i.test(err.message)) continue;
      await rm(storeDir, { recursive: true, force: true });
      throw err;
    }
  }
}

function launchBinary(bin, port, storeDir, logFile, serverConfig) {
  const config = serverConfig ? ['-c', serverConfig] : [];
  const args = [...config, '-a', HOST, '-p', String(port), '-js', '-sd', storeDir];
  // detached: its own process group, so a Ctrl-C in the terminal reaches only the caller, which
  // stops the server last (after the proxies that still talk to it).
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const sink = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
  let output = '';
  const url = `nats://${HOST}:${port}`;

  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
      sink?.end();
      await rm(storeDir, { recursive: true, force: true });
    })();
    return stopping;
  };

  // A synchronous last resort for `process.on('exit')`.
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(storeDir, { recursive: true, force: true });
  };

  return new Promise((resolve, reject) => {
    let settled = false;
    let timer;
    const settle = (fn, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn(value);
    };
    const onData = (chunk) => {
      sink?.write(chunk);
      if (settled) return;
      output = (output + chunk.toString('utf8')).slice(-LOG_TAIL_CHARS * 4);
      if (output.includes(READY_LINE)) {
        settle(resolve, { url, port, source: 'binary', pid: child.pid, exited, stop, kill });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (err) => settle(reject, new Error(`cannot run ${bin}: ${err.message}`)));
    void exited.then(({ code, signal }) => {
      settle(
        reject,
        new Error(
          `nats-server exited during start-up (${signal ?? `exit code ${code}`}):\n${tail(output)}`,
        ),
      );
    });
    timer = setTimeout(() => {
      void stop();
      settle(
        reject,
        new Error(
          `nats-server did not print "${READY_LINE}" within ${STARTUP_TIMEOUT_MS / 1000} s ` +
            `(${bin} ${args.join(' ')}):\n${tail(output)}`,
        ),
      );
    }, STARTUP_TIMEOUT_MS);
  });
}

// ---------------------------------------------------------------------------------------------
// Docker

function run(cmd, args, timeoutMs) {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs }, (error, stdout, stderr) =>
      resolve({ ok: !error, stdout: String(stdout), stderr: String(stderr), error }),
    );
  });
}

async function dockerWorks() {
  return (await run('docker', ['info'], DOCKER_INFO_TIMEOUT_MS)).ok;
}

async function startDocker({ log, logFile, serverConfig }) {
  const image = process.env.WEFT_NATS_IMAGE || DEFAULT_IMAGE;
  const port = await freePort();
  const name = `weft-demo-nats-${port}`;
  log(`starting nats-server on ${HOST}:${port}… (docker image ${image}, container ${name})`);
  const started = await run(
    'docker',
    [
      'run',
      '-d',
      '--rm',
      '--name',
      name,
      '--network',
      'host',
      // The trust's folder at the same path inside: the config names its resolver folder.
      ...(serverConfig ? ['-v', `${dirname(serverConfig)}:${dirname(serverConfig)}`] : []),
      image,
      ...(serverConfig ? ['-c', serverConfig] : []),
      '-js',
      '-a',
      HOST,
      '-p',
      String(port),
    ],
    DOCKER_RUN_TIMEOUT_MS,
  );
  if (!started.ok) {
    throw new Error(
      `docker run ${image} failed: ${started.stderr.trim() || started.error?.message}\n` +
        'Set WEFT_NATS_IMAGE to a NATS image this engine has, or install nats-server.',
    );
  }

  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      if (logFile) {
        const logs = await run('docker', ['logs', name], 10_000);
        const sink = createWriteStream(logFile, { flags: 'a' });
        sink.end(logs.stdout + logs.stderr);
      }
      await run(
        'docker',
        ['stop', '-t', String(STOP_GRACE_MS / 1000), name],
        STOP_GRACE_MS + 10_000,
      );
    })();
    return stopping;
  };
  // A synchronous last resort for `process.on('exit')`.
  const kill = () => {
    try {
      execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore', timeout: 10_000 });
    } catch {
      // already gone
    }
  };

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!(await canConnect(HOST, port))) {
    const running = await run('docker', ['inspect', '-f', '{{.State.Running}}', name], 10_000);
    if (!running.ok || running.stdout.trim() !== 'true') {
      const logs = await run('docker', ['logs', name], 10_000);
      kill();
      throw new Error(
        `the NATS container ${name} (${image}) stopped during start-up:\n` +
          tail(logs.stdout + logs.stderr || running.stderr),
      );
    }
    if (Date.now() > deadline) {
      const logs = await run('docker', ['logs', name], 10_000);
      kill();
      throw new Error(
        `the NATS container ${name} (${image}) did not accept connections on ${HOST}:${port} ` +
          `within ${STARTUP_TIMEOUT_MS / 1000} s:\n${tail(logs.stdout + logs.stderr)}`,
      );
    }
    await sleep(200);
  }
  // `docker wait` returns when the container stops, for whatever reason.
  const exited = run('docker', ['wait', name], 0).then(({ stdout }) => ({
    code: Number(stdout.trim()) || null,
    signal: null,
  }));
  return {
    url: `nats://${HOST}:${port}`,
    port,
    source: 'docker',
    container: name,
    exited,
    stop,
    kill,
  };
}

function tail(text) {
  const trimmed = text.trim();
  if (!trimmed) return '  (no output)';
  return trimmed
    .slice(-LOG_TAIL_CHARS)
    .split('\n')
    .map((line) => `  | ${line}`)
    .join('\n');
}
