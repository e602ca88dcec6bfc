// Starts child processes pinned to a CPU core (taskset), tracks them, and stops them all on exit.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

const STOP_GRACE_MS = 5_000;
const LOG_TAIL_CHARS = 1_500;

/** Every child still running, so that `stopAll()` can end them on errors and Ctrl-C. */
const running = new Set();
/** Set by `stopAll()`: from then on nothing new starts. */
let closed = false;

// detached: own process group, so Ctrl-C reaches only the bench, which stops children in order.
function spawnPinned(core, command, args, options) {
  if (closed) throw new Error(`not starting ${command}: the bench is stopping`);
  return spawn('taskset', ['-c', String(core), command, ...args], { ...options, detached: true });
}

/**
 * Starts `command args…` under `taskset -c <core>` with its output in `logFile`. taskset execs the
 * command, so `pid` is the command's own. Returns `{name, pid, logFile, exited}`; `exited` resolves
 * to a description of how it ended.
 */
export function startPinned(name, core, command, args, { env = {}, cwd, logFile }) {
  const fd = openSync(logFile, 'a');
  let child;
  try {
    child = spawnPinned(core, command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  const proc = { name, pid: child.pid, logFile, child };
  proc.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(proc);
      resolve(signal ?? `exit code ${code}`);
    });
    child.once('error', (err) => {
      running.delete(proc);
      resolve(err.message);
    });
  });
  running.add(proc);
  return proc;
}

/** Runs `command args…` pinned to `core` to completion; resolves to its stdout, rejects on failure. */
export function runPinned(core, command, args) {
  const child = spawnPinned(core, command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = { name: command, pid: child.pid, child };
  running.add(proc);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      running.delete(proc);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} failed (${signal ?? code}): ${stderr.trim() || stdout}`));
    });
  });
}

/** The children running now (a copy), to stop later only those started after this call. */
export function runningNow() {
  return new Set(running);
}

/** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. */
export async function stop(proc) {
  if (!running.has(proc)) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), STOP_GRACE_MS);
  await proc.exited;
  clearTimeout(timer);
}

/** Stops every child still running, the most recently started first; nothing starts after. */
export async function stopAll() {
  closed = true;
  for (const proc of [...running].reverse()) await stop(proc);
}

/** Synchronous last resort for `process.on('exit')`. */
export function killAllNow() {
  for (const proc of running) proc.child.kill('SIGKILL');
}

/** The end of a child's log, to explain why it failed. */
export function logTail(proc) {
  try {
    return readFileSync(proc.logFile, 'utf8').slice(-LOG_TAIL_CHARS);
  } catch {
    return '(no log)';
  }
}
