// @ts-check
// Which nats-server backend the e2e tests use (WEFT_TEST_NATS): Testcontainers or the local binary.
// Plain JavaScript: jest's globalSetup, which picks it once per run, loads files outside the module
// mapper that lets TypeScript files import each other by their `.js` names.
import { accessSync, constants as fsConstants } from 'node:fs';
import { request } from 'node:http';
import { delimiter, join } from 'node:path';

/** @typedef {{ kind: 'container', dockerHost: string } | { kind: 'binary', bin: string }} NatsBackendChoice */

const DEFAULT_IMAGE = 'local/nats-server:2.9.10';
const PING_TIMEOUT_MS = 2_000;
const CANDIDATE_SOCKETS = ['unix:///run/weft-docker.sock', 'unix:///var/run/docker.sock'];

/**
 * The NATS image of the container backend.
 * @returns {string}
 */
export function natsImage() {
  return process.env.WEFT_NATS_IMAGE ?? DEFAULT_IMAGE;
}

/**
 * The backend WEFT_TEST_NATS asks for (`auto` by default: a container when a Docker engine
 * answers, else the binary, with a loud warning).
 * @returns {Promise<NatsBackendChoice>}
 */
export async function detectNatsBackend() {
  const mode = process.env.WEFT_TEST_NATS ?? 'auto';
  if (mode !== 'auto' && mode !== 'container' && mode !== 'binary') {
    throw new Error(`WEFT_TEST_NATS must be container, binary or auto, not "${mode}"`);
  }
  if (mode === 'binary') return { kind: 'binary', bin: findNatsBinary() };
  const dockerHost = await findDockerHost();
  if (dockerHost !== undefined) return { kind: 'container', dockerHost };
  const tried = dockerHostCandidates().join(', ');
  if (mode === 'container') {
    throw new Error(
      `WEFT_TEST_NATS=container but no Docker engine answers (tried ${tried}); ` +
        'start one with `bash scripts/docker-engine.sh start`',
    );
  }
  process.stderr.write(
    `[nats-fixture] !!! WARNING: no Docker engine answers (tried ${tried}); ` +
      'FALLING BACK to the local nats-server binary !!!\n',
  );
  return { kind: 'binary', bin: findNatsBinary() };
}

/**
 * @param {NatsBackendChoice} backend
 * @returns {string}
 */
export function describeNatsBackend(backend) {
  return backend.kind === 'container'
    ? `container (${natsImage()} via ${backend.dockerHost})`
    : `binary (${backend.bin})`;
}

/**
 * Picks the backend once per run (jest globalSetup) and pins it in WEFT_TEST_NATS (and DOCKER_HOST)
 * for every test file: the choice, and a fallback to the binary, are said once, not once a file.
 * @returns {Promise<void>}
 */
export async function pinNatsBackend() {
  const backend = await detectNatsBackend();
  process.stderr.write(`[nats-fixture] NATS backend: ${describeNatsBackend(backend)}\n`);
  process.env.WEFT_TEST_NATS = backend.kind;
  if (backend.kind === 'container') process.env.DOCKER_HOST = backend.dockerHost;
}

/** @returns {string[]} */
function dockerHostCandidates() {
  const fromEnv = process.env.DOCKER_HOST;
  return fromEnv ? [fromEnv] : CANDIDATE_SOCKETS;
}

/**
 * The first Docker engine that answers (`DOCKER_HOST`, else the usual sockets), if any.
 * @returns {Promise<string | undefined>}
 */
export async function findDockerHost() {
  for (const host of dockerHostCandidates()) {
    if (await dockerAnswers(host)) return host;
  }
  return undefined;
}

/**
 * True when GET /_ping on the engine succeeds; schemes we cannot ping (ssh, …) are trusted.
 * @param {string} dockerHost
 * @returns {Promise<boolean>}
 */
function dockerAnswers(dockerHost) {
  const url = URL.canParse(dockerHost) ? new URL(dockerHost) : undefined;
  if (url === undefined) return Promise.resolve(false);
  const target =
    url.protocol === 'unix:'
      ? { socketPath: url.pathname }
      : url.protocol === 'tcp:'
        ? { host: url.hostname, port: Number(url.port || 2375) }
        : undefined;
  if (target === undefined) return Promise.resolve(true);
  return new Promise((resolve) => {
    const req = request({ ...target, path: '/_ping', timeout: PING_TIMEOUT_MS }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** @returns {string} */
export function findNatsBinary() {
  // Debian installs it in /usr/sbin, which is not on every user's PATH.
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs.filter(Boolean)) {
    const candidate = join(dir, 'nats-server');
    if (isExecutable(candidate)) return candidate;
  }
  throw new Error('nats-server is not installed (apt-get install -y nats-server)');
}

/**
 * @param {string} path
 * @returns {boolean}
 */
function isExecutable(path) {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}
