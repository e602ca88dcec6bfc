// Test fixture: a real nats-server per test, run by Testcontainers or from the local binary.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Testcontainers from 'testcontainers';
import { freePort } from './free-port.js';
import { detectNatsBackend, natsImage, type NatsBackendChoice } from './nats-backend.js';

export type NatsBackend = 'container' | 'binary';

export interface NatsOptions {
  /** Enable JetStream with a store directory that survives `restart()` (default true). */
  jetstream?: boolean;
  /** Extra nats-server arguments, appended after the fixture's own. */
  args?: string[];
  /**
   * A nats-server configuration file's text (accounts, users…), passed with `-c`; the fixture's
   * own arguments (port, JetStream) take precedence over it.
   */
  config?: string;
  /**
   * Secure mode: the server trusts this operator (decentralized JWT auth, as `weft nats-config`
   * generates it): only users of its accounts connect, each with its permissions. Given the folder
   * where the server keeps account JWTs (each backend sees its own path), it returns the settings
   * (an `AuthDir`). Not with `config`.
   */
  trust?: NatsTrust;
  /**
   * Host files `args` or `config` name (TLS certificates…): a container gets a copy at the same
   * path, so one set of arguments serves both backends.
   */
  files?: readonly string[];
}

export interface NatsTrust {
  serverConfig(resolverDir: string): Promise<string>;
}

export interface NatsHandle {
  url: string;
  port: number;
  backend: NatsBackend;
  /** Stops the server for good and removes its container or temp directory. */
  stop(): Promise<void>;
  /** Stops and starts the server on the same port, keeping JetStream data; resolves once ready. */
  restart(): Promise<void>;
}

const HOST = '127.0.0.1';
const READY_LINE = 'Server is ready';
const CONTAINER_STORE_DIR = '/data';
const CONTAINER_CONFIG_FILE = '/weft-nats.conf';
const CONTAINER_RESOLVER_DIR = '/weft-jwt';
const STARTUP_TIMEOUT_MS = 30_000;
// nats-server flushes JetStream on SIGTERM; a kill without grace could lose acknowledged writes.
const STOP_GRACE_MS = 10_000;
const LOG_TAIL_LINES = 40;
const PING_TIMEOUT_MS = 2_000;
const GREETING_RETRY_MS = 100;

export const FIXTURE_LABEL = { key: 'weft.test', value: 'nats' } as const;

/** Starts a nats-server on a free loopback port, on the backend chosen by WEFT_TEST_NATS. */
export async function startNats(opts: NatsOptions = {}): Promise<NatsHandle> {
  const backend = await chooseBackend();
  const port = await freePort();
  const jetstream = opts.jetstream ?? true;
  const extra = opts.args ?? [];
  if (opts.trust && opts.config !== undefined) {
    throw new Error('startNats: `trust` writes the server config itself; pass `args` instead');
  }
  if (backend.kind === 'container') {
    const config = opts.trust ? await opts.trust.serverConfig(CONTAINER_RESOLVER_DIR) : opts.config;
    return startContainer(backend.dockerHost, port, jetstream, extra, config, opts.files ?? []);
  }
  return startBinary(backend.bin, port, jetstream, extra, opts.config, opts.trust);
}

function serverArgs(port: number, storeDir: string | undefined, extra: string[]): string[] {
  const js = storeDir === undefined ? [] : ['-js', '-sd', storeDir];
  return ['-a', HOST, '-p', String(port), ...js, ...extra];
}

function natsUrl(port: number): string {
  return `nats://${HOST}:${port}`;
}

// ---------------------------------------------------------------------------------------------
// Backend selection (nats-backend.js): pinned for the run by jest's globalSetup

// Chosen once per module instance (jest: once per test file), silently: the run has said which.
let chosen: Promise<NatsBackendChoice> | undefined;

function chooseBackend(): Promise<NatsBackendChoice> {
  chosen ??= detectNatsBackend();
  return chosen;
}

// ---------------------------------------------------------------------------------------------
// Container backend

// testcontainers reads its settings from the environment, so they are set before it loads.
async function loadTestcontainers(dockerHost: string): Promise<typeof Testcontainers> {
  process.env.DOCKER_HOST = dockerHost;
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true'; // Ryuk needs a registry and a bridge network
  process.env.TESTCONTAINERS_HOST_OVERRIDE = HOST;
  return import('testcontainers');
}

async function startContainer(
  dockerHost: string,
  port: number,
  jetstream: boolean,
  extra: string[],
  config: string | undefined,
  files: readonly string[],
): Promise<NatsHandle> {
  const tc = await loadTestcontainers(dockerHost);
  const image = natsImage();
  await assertImageUsable(tc, image);
  const configArgs = config === undefined ? [] : ['-c', CONTAINER_CONFIG_FILE];
  const args = serverArgs(port, jetstream ? CONTAINER_STORE_DIR : undefined, [
    ...configArgs,
    ...extra,
  ]);
  const log = new LogTail();
  // Host networking: the engine runs without a bridge, and the port is then the same on restart.
  const container = await new tc.GenericContainer(image)
    .withCopyContentToContainer(
      config === undefined ? [] : [{ content: config, target: CONTAINER_CONFIG_FILE }],
    )
    .withCopyFilesToContainer(files.map((file) => ({ source: file, target: file })))
    .withNetworkMode('host')
    .withCommand(args)
    .withLabels({ [FIXTURE_LABEL.key]: FIXTURE_LABEL.value })
    .withLogConsumer((stream) => stream.setEncoding('utf8').on('data', (c: string) => log.add(c)))
    .withWaitStrategy(tc.Wait.forLogMessage(READY_LINE))
    .withStartupTimeout(STARTUP_TIMEOUT_MS)
    .start()
    .catch((err: unknown) => {
      throw startFailure(`container ${image} ${args.join(' ')}`, err, log);
    });
  return {
    url: natsUrl(port),
    port,
    backend: 'container',
    // The store lives in the container's own filesystem, which a restart keeps. testcontainers'
    // own restart() re-reads the log from a start time with second granularity, which missed
    // the ready line on a slow CI machine; the server's greeting is the reliable signal.
    restart: async () => {
      const client = await tc.getContainerRuntimeClient();
      const handle = client.container.getById(container.getId());
      await client.container.restart(handle, { timeout: STOP_GRACE_MS });
      await waitForGreeting(port, jetstream).catch((err: unknown) => {
        throw startFailure(`container ${image} restart`, err, log);
      });
    },
    stop: async () => {
      // testcontainers remembers a stopped container, so a second stop() is a no-op; one the
      // engine no longer knows (404) is as stopped as it gets.
      await container.stop({ remove: true, timeout: STOP_GRACE_MS }).catch((err: unknown) => {
        if ((err as { statusCode?: number }).statusCode !== 404) throw err;
      });
    },
  };
}

/**
 * Resolves once the server on `port` greets a new client with INFO (and, when asked, reports
 * JetStream enabled): nats-server accepts clients only after its JetStream is up.
 */
async function waitForGreeting(port: number, jetstream: boolean): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const info = await readGreeting(port).catch((err: unknown) => {
      last = err instanceof Error ? err.message : String(err);
      return undefined;
    });
    if (info !== undefined && (!jetstream || info.includes('"jetstream":true'))) return;
    if (info !== undefined) last = 'INFO without JetStream';
    await new Promise((resolve) => setTimeout(resolve, GREETING_RETRY_MS));
  }
  throw new Error(`no INFO greeting on port ${port} within ${STARTUP_TIMEOUT_MS} ms (${last})`);
}

/** Connects, reads the first line the server sends, and disconnects. */
function readGreeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: HOST, port, timeout: PING_TIMEOUT_MS });
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
      const end = received.indexOf('\r\n');
      if (end === -1) return;
      socket.destroy();
      const line = received.slice(0, end);
      if (line.startsWith('INFO ')) resolve(line);
      else reject(new Error(`unexpected greeting: ${line.slice(0, 80)}`));
    });
    socket.on('timeout', () => socket.destroy(new Error('timed out waiting for INFO')));
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('closed before INFO')));
  });
}

function startFailure(what: string, err: unknown, log: LogTail): Error {
  const detail = err instanceof Error ? err.message : String(err);
  return new Error(`${what}: ${detail}; last log lines:\n${log.toString()}`, { cause: err });
}

/** Fails fast on a missing local image instead of letting testcontainers try a registry. */
async function assertImageUsable(tc: typeof Testcontainers, image: string): Promise<void> {
  if (!image.startsWith('local/')) return; // a registry image may legitimately need pulling
  const client = await tc.getContainerRuntimeClient();
  if (!(await client.image.exists(tc.ImageName.fromString(image)))) {
    throw new Error(
      `image ${image} is missing: build it with \`bash scripts/docker-engine.sh start\``,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Binary backend

async function startBinary(
  bin: string,
  port: number,
  jetstream: boolean,
  extra: string[],
  plainConfig: string | undefined,
  trust: NatsTrust | undefined,
): Promise<NatsHandle> {
  const storeDir = jetstream ? await mkdtemp(join(tmpdir(), 'weft-nats-')) : undefined;
  const hasConfig = trust !== undefined || plainConfig !== undefined;
  const configDir = hasConfig ? await mkdtemp(join(tmpdir(), 'weft-conf-')) : undefined;
  const config =
    trust && configDir ? await trust.serverConfig(join(configDir, 'jwt')) : plainConfig;
  const configArgs: string[] = [];
  if (configDir !== undefined && config !== undefined) {
    await writeFile(join(configDir, 'nats.conf'), config);
    configArgs.push('-c', join(configDir, 'nats.conf'));
  }
  const removeDirs = async (): Promise<void> => {
    for (const dir of [storeDir, configDir]) {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    }
  };
  const args = serverArgs(port, storeDir, [...configArgs, ...extra]);
  let server: ServerProcess;
  try {
    server = await ServerProcess.start(bin, args);
  } catch (err) {
    await removeDirs();
    throw err;
  }
  let stopped = false;
  return {
    url: natsUrl(port),
    port,
    backend: 'binary',
    restart: async () => {
      await server.stop();
      server = await ServerProcess.start(bin, args);
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await removeDirs();
    },
  };
}

/** The last lines of a server's log, for error messages. */
class LogTail {
  private readonly lines: string[] = [];
  private partial = '';

  /** Adds a chunk of output and returns the complete lines it finished. */
  add(chunk: string): string[] {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    this.lines.push(...lines);
    this.lines.splice(0, Math.max(0, this.lines.length - LOG_TAIL_LINES));
    return lines;
  }

  toString(): string {
    return [...this.lines, this.partial].filter(Boolean).join('\n');
  }
}

// Servers still running when a plain Node process exits (a script forgot stop(), or crashed) are
// killed then, so none lingers. Under jest the sandboxed `process` never emits 'exit': there a
// forgotten server keeps jest from exiting ("Jest did not exit"), which points at the leak.
const liveChildren = new Set<ChildProcess>();
process.once('exit', () => liveChildren.forEach((child) => child.kill('SIGKILL')));

/** One nats-server child process; keeps the tail of its log for error messages. */
class ServerProcess {
  private readonly log = new LogTail();
  private onReadyLine: (() => void) | undefined;
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    // A child that failed to spawn emits 'error' and maybe never 'exit'.
    this.exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    liveChildren.add(child);
    void this.exited.then(() => liveChildren.delete(child));
    // Always drain the output (a full pipe would block the server); the log is on stderr, but
    // usage errors go to stdout.
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8').on('data', (chunk: string) => this.onOutput(chunk));
    }
  }

  static async start(bin: string, args: string[]): Promise<ServerProcess> {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new ServerProcess(child);
    await server.waitReady(`${bin} ${args.join(' ')}`);
    return server;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private onOutput(chunk: string): void {
    const lines = this.log.add(chunk);
    if (lines.some((line) => line.includes(READY_LINE))) this.onReadyLine?.();
  }

  private waitReady(commandLine: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        this.onReadyLine = undefined;
        this.child.off('exit', onExit).off('error', onError);
      };
      const fail = (why: string): void => {
        cleanup();
        this.child.kill('SIGKILL');
        reject(new Error(`${commandLine}: ${why}; last log lines:\n${this.log.toString()}`));
      };
      const onExit = (code: number | null, signal: string | null): void =>
        fail(`exited (${signal ?? `code ${code}`}) before "${READY_LINE}"`);
      const onError = (err: Error): void => fail(`could not be spawned: ${err.message}`);
      const timer = setTimeout(
        () => fail(`no "${READY_LINE}" within ${STARTUP_TIMEOUT_MS} ms`),
        STARTUP_TIMEOUT_MS,
      );
      this.onReadyLine = () => {
        cleanup();
        resolve();
      };
      this.child.once('exit', onExit).once('error', onError);
    });
  }
}
