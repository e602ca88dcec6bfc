// Starts a built Weft app or a repository script as a child process (`node <file>`), as users do.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type WeftApp = 'control-plane' | 'sidecar' | 'router';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LOG_TAIL = 60;

export class AppProcess {
  readonly exited: Promise<number | null>;
  private readonly lines: string[] = [];

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((done) => child.once('exit', (code) => done(code)));
    const keep = (chunk: Buffer): void => {
      this.lines.push(...chunk.toString().split('\n').filter(Boolean));
      if (this.lines.length > 2_000) this.lines.splice(0, this.lines.length - 2_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  /** `fileLimit`: the process may hold that many open files (`prlimit --nofile`), from its start. */
  static start(
    app: WeftApp,
    name: string,
    env: Record<string, string>,
    fileLimit?: number,
  ): AppProcess {
    const script = `dist/apps/${app}/main.js`;
    return AppProcess.node(script, name, { WEFT_LOG_LEVEL: 'info', ...env }, fileLimit);
  }

  /** `node <script>` (a path in the repository, e.g. `scripts/examples/edge.mjs`) from its root. */
  static node(
    script: string,
    name: string,
    env: Record<string, string>,
    fileLimit?: number,
  ): AppProcess {
    // Jest's NODE_OPTIONS (--experimental-vm-modules) is not for the apps.
    const inherited = { ...process.env };
    delete inherited.NODE_OPTIONS;
    const node = [process.execPath, resolve(ROOT, script)];
    // prlimit execs node in its own place: the child's pid is node's.
    const [command, ...args] = fileLimit
      ? ['prlimit', `--nofile=${fileLimit}:${fileLimit}`, ...node]
      : node;
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...inherited, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new AppProcess(name, child);
  }

  /** A child started some other way (e.g. inside a network namespace), watched the same way. */
  static adopt(name: string, child: ChildProcess): AppProcess {
    return new AppProcess(name, child);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Recent log lines, for assertions and for failure messages. */
  logs(): string[] {
    return [...this.lines];
  }

  logTail(): string {
    return `--- ${this.name} (pid ${this.pid}) ---\n${this.lines.slice(-LOG_TAIL).join('\n')}`;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) this.child.kill(sig);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 15_000): Promise<number | null> {
    if (!this.running) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
