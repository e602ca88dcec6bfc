// What every example script (`npm run demo`, `npm run example:<pattern>`) shares: a work folder for
// logs and state, child processes in their own process groups, NATS when needed, readiness polls,
// and an orderly stop on Ctrl-C (proxies drain while NATS and the control plane still run).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ensureNats } from '../find-nats.mjs';
import { NatsTrust } from './nats-trust.mjs';
import { http } from './http.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const HOST = '127.0.0.1';
export const READY_TIMEOUT_MS = 30_000;
const POLL_MS = 200;
const LOG_TAIL_LINES = 15;
const STOP_TIMEOUT_MS = 10_000;
// Under `npm run …` one Ctrl-C arrives twice: from the terminal, and forwarded by npm.
const DUPLICATE_SIGNAL_MS = 1_000;

export const say = (line) => process.stdout.write(`[weft] ${line}\n`);
export const warn = (line) => process.stderr.write(`[weft] !! ${line}\n`);

/** A failure worth one clear line (no stack): the script stops and says it. */
export class ExampleError extends Error {}

/** Absolute path of a built app's bundle, e.g. `appMain('sidecar')`. */
export const appMain = (app) => join(ROOT, `dist/apps/${app}/main.js`);

/** Stops with a clear message when the apps were not built. */
export function checkBuilt(apps) {
  const missing = apps.map(appMain).filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new ExampleError(
      `${missing.map((f) => f.slice(ROOT.length + 1)).join(' and ')} not found: ` +
        'run `npm run build` first (or the npm script, which builds).',
    );
  }
}

/** Whether `command` is an executable on PATH (to suggest the nats CLI only where it is). */
export function onPath(command) {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => existsSync(join(dir, command)));
}

/** Prints the "try it" block: a title, then lines as they are. */
export function printTryIt(lines, logDir) {
  const all = ['', ...lines, '', `Logs: ${logDir}`, 'Press Ctrl-C to stop everything.', ''];
  process.stdout.write(`${all.join('\n')}\n`);
}

/**
 * A sidecar's instance id, app and listeners (`ports`: `{app, inbound, outbound, admin}`), all on
 * this machine's loopback, and its state folder in the run's.
 */
export function sidecarListenEnv(run, instance, ports) {
  return {
    WEFT_INSTANCE_ID: instance,
    WEFT_APP_PORT: String(ports.app),
    WEFT_APP_ADDRESS: HOST,
    WEFT_INBOUND_PORT: String(ports.inbound),
    WEFT_OUTBOUND_PORT: String(ports.outbound),
    WEFT_ADMIN_PORT: String(ports.admin),
    WEFT_BIND_ADDRESS: HOST,
    WEFT_ADVERTISE_ADDRESS: HOST,
    WEFT_STATE_DIR: join(run.stateDir, instance),
  };
}

export function logTail(file) {
  try {
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-LOG_TAIL_LINES);
    return lines.map((line) => `    | ${line}`).join('\n');
  } catch {
    return '    (no log)';
  }
}

export class ExampleRun {
  /** Every process started, in start order. */
  children = [];
  nats;
  natsStarting;
  workDir;
  logDir;
  stateDir;
  shuttingDown;
  somethingDied = false;

  /**
   * `stopOrder`: `[{role, label, timeoutMs?}]`, the roles stopped one group after the other;
   * `keepLogsVar`: the env variable that keeps the logs after a clean stop.
   */
  constructor({ name, stopOrder, keepLogsVar = 'WEFT_EXAMPLE_KEEP_LOGS' }) {
    this.name = name;
    this.stopOrder = stopOrder;
    this.keepLogsVar = keepLogsVar;
  }

  /** Runs `main` with the work folder set up; Ctrl-C (or a failure) stops everything in order. */
  start(main) {
    // Last resort if the script dies without the orderly stop: the children are detached.
    process.on('exit', () => {
      for (const entry of this.children) {
        if (entry.exit === undefined) entry.child.kill('SIGKILL');
      }
      this.nats?.kill?.();
    });
    let firstSignalAt = 0;
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
      process.on(signal, () => {
        if (!firstSignalAt) {
          firstSignalAt = Date.now();
          void this.shutdown(0, `got ${signal}`);
          return;
        }
        if (Date.now() - firstSignalAt < DUPLICATE_SIGNAL_MS) return;
        // Another Ctrl-C while stopping: the exit handler kills what is left.
        warn(`got ${signal} again: killing everything now`);
        process.exit(130);
      });
    }
    (async () => {
      this.workDir = await mkdtemp(join(tmpdir(), `weft-${this.name}-`));
      this.logDir = join(this.workDir, 'logs');
      this.stateDir = join(this.workDir, 'state');
      mkdirSync(this.logDir, { recursive: true });
      mkdirSync(this.stateDir, { recursive: true });
      say(`logs of every process go to ${this.logDir}`);
      await main(this);
    })().catch((err) => {
      if (this.shuttingDown) return;
      warn(err instanceof ExampleError ? err.message : (err?.stack ?? String(err)));
      void this.shutdown(1, `the ${this.name} could not start`);
    });
  }

  /**
   * `NATS_URL`'s server, used as it is; or a nats-server of our own (stopped with the rest) that
   * trusts a NATS operator generated into the state folder, every process with its own token.
   */
  async startNats() {
    const own = !process.env.NATS_URL?.trim();
    if (own) {
      say('generating the mesh NATS trust (weft nats-config)…');
      this.trust = await NatsTrust.generate(join(this.stateDir, 'nats-auth'));
    } else {
      // No trust folder made: the mesh CA still needs its sealing key to be on (mTLS, STRICT).
      this.caKeyFile = join(this.stateDir, 'ca-encryption.key');
      writeFileSync(this.caKeyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
    }
    this.natsStarting = ensureNats({
      log: say,
      logFile: join(this.logDir, 'nats-server.log'),
      serverConfig: this.trust?.serverConfig,
    });
    this.nats = await this.natsStarting;
    this.checkStopping();
    if (this.nats.source !== 'env') {
      say(`nats-server ready at ${this.nats.url}, secure: each process has its own credentials`);
    } else {
      warn(
        `the bus is as secure as the configuration of the server at NATS_URL=${this.nats.url}: ` +
          'Weft made no NATS credentials for it (see `weft nats-config`)',
      );
    }
    void this.nats.exited?.then(({ code, signal }) => {
      if (this.shuttingDown) return;
      this.somethingDied = true;
      warn(
        `nats-server exited unexpectedly (${signal ?? `exit code ${code}`}); see ${this.logDir}/nats-server.log`,
      );
    });
    return this.nats;
  }

  /**
   * The control plane's NATS env: the server, its creds and the system user's (when secure), and
   * the mesh CA's sealing key.
   */
  controlPlaneNatsEnv() {
    return {
      NATS_URL: this.nats.url,
      ...(this.trust?.controlPlaneEnv() ?? { WEFT_CA_ENCRYPTION_KEY_FILE: this.caKeyFile }),
    };
  }

  /** A proxy's NATS env: the server, and a token for its identity (see NatsTrust.proxyEnv). */
  async proxyNatsEnv(identity) {
    return { NATS_URL: this.nats.url, ...(await this.trust?.proxyEnv(identity)) };
  }

  /**
   * What goes before `node bin/weft.js check` (or tap, events) to use this mesh's NATS: on a secure
   * mesh a read-only token's `WEFT_NATS_CREDS=…`; the server itself the CLI asks the control plane.
   */
  async weftNatsPrefix() {
    const env = (await this.trust?.cliEnv()) ?? {};
    return Object.entries(env)
      .map(([name, value]) => `${name}=${value} `)
      .join('');
  }

  /**
   * The `nats` CLI's flags to watch this mesh's bus: the server, and on a secure mesh the control
   * plane's credentials (the one user that may subscribe to everything).
   */
  natsCliFlags() {
    const creds = this.trust?.controlPlaneEnv().WEFT_NATS_CREDS;
    return creds ? `-s ${this.nats.url} --creds ${creds}` : `-s ${this.nats.url}`;
  }

  /** Starts `node script` with `env`, its output in `logs/<logName>.log`. */
  startNode(name, role, script, env, logName) {
    return this.startProcess(name, role, process.execPath, [script], env, logName);
  }

  /** Starts `command args` with `env`, its output in `logs/<logName>.log`. */
  startProcess(name, role, command, args, env, logName) {
    this.checkStopping();
    const logFile = join(this.logDir, `${logName}.log`);
    const fd = openSync(logFile, 'a');
    // detached: own process group, so a Ctrl-C in the terminal reaches only this script, which then
    // stops the children in order (proxies must drain while NATS and the control plane still run).
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    closeSync(fd);
    const entry = { name, role, child, logFile, stopping: false, exit: undefined };
    entry.exited = new Promise((done) => {
      child.once('exit', (code, signal) => {
        entry.exit = signal ?? `exit code ${code}`;
        if (!entry.stopping && !this.shuttingDown) {
          this.somethingDied = true;
          warn(`${name} exited unexpectedly (${entry.exit}); its log: ${logFile}`);
        }
        done();
      });
    });
    child.once('error', (err) => warn(`cannot start ${name}: ${err.message}`));
    this.children.push(entry);
    return entry;
  }

  /** Polls `url` until it answers 200; fails early, with the log tail, if `entry` exits. */
  async waitReady(entry, url) {
    await this.until(
      `${entry.name} was not ready`,
      async () => {
        const res = await http('GET', url, { timeoutMs: 2_000 }).catch((err) => err);
        if (res.status === 200) return { ok: true };
        return {
          ok: false,
          why: `GET ${url}: ${res.message ?? `${res.status} ${res.text.slice(0, 300)}`}`,
        };
      },
      entry,
    );
  }

  /** Polls `entry`'s log until a line contains `text` (nats-server's "Server is ready"). */
  async waitLogged(entry, text) {
    await this.until(
      `${entry.name} did not log "${text}"`,
      async () => ({ ok: readFileSync(entry.logFile, 'utf8').includes(text), why: 'not yet' }),
      entry,
    );
  }

  /**
   * Polls `probe` until it resolves `{ok: true, value}` (`{ok: false, why}` or a throw: not yet);
   * resolves `value`. Fails after READY_TIMEOUT_MS saying `what` and the last why, or early, with
   * its log tail, if `entry` (the process it waits for, if any) exits.
   */
  async until(what, probe, entry) {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = 'no answer yet';
    for (;;) {
      this.checkStopping();
      const tail = entry ? `; last lines of ${entry.logFile}:\n${logTail(entry.logFile)}` : '';
      if (entry?.exit !== undefined) {
        throw new ExampleError(`${entry.name} exited during start-up (${entry.exit})${tail}`);
      }
      try {
        const got = await probe();
        if (got.ok) return got.value;
        last = got.why;
      } catch (err) {
        last = err.message;
      }
      if (Date.now() > deadline) {
        throw new ExampleError(`${what} within ${READY_TIMEOUT_MS / 1000} s (${last})${tail}`);
      }
      await sleep(POLL_MS);
    }
  }

  checkStopping() {
    if (this.shuttingDown) throw new ExampleError('stopping');
  }

  async stopGroup(entries, timeoutMs) {
    await Promise.all(
      entries.map(async (entry) => {
        if (entry.exit !== undefined) return;
        entry.stopping = true;
        entry.child.kill('SIGTERM');
        const timer = setTimeout(() => {
          warn(`${entry.name} did not stop within ${timeoutMs / 1000} s; killing it`);
          entry.child.kill('SIGKILL');
        }, timeoutMs);
        await entry.exited;
        clearTimeout(timer);
      }),
    );
  }

  shutdown(exitCode, reason) {
    if (this.shuttingDown) return this.shuttingDown;
    this.shuttingDown = (async () => {
      say(`${reason}; stopping…`);
      for (const { role, label, timeoutMs = STOP_TIMEOUT_MS } of this.stopOrder) {
        const running = this.children.filter((c) => c.role === role && c.exit === undefined);
        if (running.length === 0) continue;
        say(`stopping ${label}…`);
        await this.stopGroup(running, timeoutMs);
      }
      const started = this.nats ?? (await this.natsStarting?.catch(() => undefined));
      if (started && started.source !== 'env') {
        say('stopping nats-server…');
        await started.stop();
      }
      this.nats = undefined;
      if (this.workDir) {
        if (exitCode === 0 && !this.somethingDied && !process.env[this.keepLogsVar]) {
          rmSync(this.workDir, { recursive: true, force: true });
          say(`removed ${this.workDir} (set ${this.keepLogsVar}=1 to keep the logs)`);
        } else {
          rmSync(this.stateDir, { recursive: true, force: true });
          say(`logs kept in ${this.logDir}`);
        }
      }
      say('stopped');
      process.exit(exitCode);
    })();
    return this.shuttingDown;
  }
}
