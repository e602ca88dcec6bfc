// For specs: upstream endpoints answering through undici's handler API as a script says, on the spec's fake timers.
import type { Dispatcher } from 'undici';
import type { DispatcherSource } from './upstream-try.js';

/** How one endpoint answers each try sent to it (scheduling with timers, which specs fake). */
export type Script = (attempt: Attempt) => void;

/** One try: what was sent, and the moves an upstream can make; each is a no-op once it ended. */
export class Attempt implements Dispatcher.DispatchController {
  aborted = false;
  paused = false;
  reason: Error | null = null;
  /** Ended by its end, an error or an abort. */
  done = false;

  constructor(
    readonly origin: string,
    readonly options: Dispatcher.DispatchOptions,
    private readonly handler: Dispatcher.DispatchHandler,
  ) {}

  /** Headers, then `body` in one chunk, then the end. */
  respond(status: number, body = '', headers: Record<string, string> = {}): void {
    this.headers(status, headers);
    if (body) this.data(body);
    this.end();
  }

  headers(status: number, headers: Record<string, string> = {}): void {
    if (!this.done) this.handler.onResponseStart?.(this, status, headers, '');
  }

  data(chunk: string): void {
    if (!this.done) this.handler.onResponseData?.(this, Buffer.from(chunk));
  }

  end(trailers: Record<string, string> = {}): void {
    if (this.done) return;
    this.done = true;
    this.handler.onResponseEnd?.(this, trailers);
  }

  /** The try fails with an error of `code`, as undici reports a refused or reset connection. */
  fail(code: string): void {
    if (this.done) return;
    this.done = true;
    const error = Object.assign(new Error(code), { code });
    this.handler.onResponseError?.(this, error);
  }

  abort(reason: Error): void {
    if (this.done) return;
    this.aborted = true;
    this.reason = reason;
    this.done = true;
    this.handler.onResponseError?.(this, reason);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /** Started: the try has its connection (undici's `onRequestStart`). */
  start(): void {
    this.handler.onRequestStart?.(this, {});
  }
}

/** Answers `status` with `body` after `delayMs`. */
export function answer(status: number, delayMs = 0, body = 'upstream'): Script {
  return (attempt) => setTimeout(() => attempt.respond(status, body), delayMs);
}

/** Fails the try at once with `code` (ECONNREFUSED: nothing listens; ECONNRESET: dropped). */
export function failWith(code: string): Script {
  return (attempt) => attempt.fail(code);
}

/** Sends headers and `first` at once, then the rest of the body only after `stallMs`. */
export function stallBody(stallMs: number, first = 'first', rest = 'rest'): Script {
  return (attempt) => {
    attempt.headers(200, { 'content-type': 'text/plain' });
    attempt.data(first);
    setTimeout(() => {
      attempt.data(rest);
      attempt.end();
    }, stallMs);
  };
}

/** Every endpoint of a spec, scripted by origin, with each try it was sent. */
export class ScriptedUpstream implements DispatcherSource {
  readonly attempts: Attempt[] = [];
  private readonly scripts = new Map<string, Script>();
  /** What an origin without a script does. */
  fallback: Script = answer(200);

  script(origin: string, script: Script): this {
    this.scripts.set(origin, script);
    return this;
  }

  /** Origins tried, in order. */
  get tried(): string[] {
    return this.attempts.map((a) => a.origin);
  }

  get(origin: string): Pick<Dispatcher, 'dispatch'> {
    return {
      dispatch: (options, handler) => {
        const attempt = new Attempt(origin, options, handler);
        this.attempts.push(attempt);
        attempt.start();
        if (!attempt.done) (this.scripts.get(origin) ?? this.fallback)(attempt);
        return true;
      },
    };
  }
}
