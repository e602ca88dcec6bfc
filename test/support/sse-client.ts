// Follows a Server-Sent Events endpoint from tests over a real socket, parsing `event:`/`data:` blocks.
import { Agent, request } from 'undici';
import { adminTokenFor } from './admin-client.js';

export interface SseEvent {
  readonly type: string;
  readonly data: unknown;
}

/** Collects every event a stream sends; `waitFor` finds one, `close` hangs up like a browser tab. */
export class SseClient {
  readonly events: SseEvent[] = [];
  private readonly agent = new Agent();
  private readonly abort = new AbortController();
  private waiters: (() => void)[] = [];
  private closed: Promise<void> = Promise.resolve();

  /**
   * Resolves once the answer's headers arrived; returns its status and content type. Sends the
   * tests' admin token for `url`'s control plane, as every test request does.
   */
  async open(url: string): Promise<{ status: number; contentType: string }> {
    const token = adminTokenFor(url);
    const res = await request(url, {
      dispatcher: this.agent,
      signal: this.abort.signal,
      headers: {
        accept: 'text/event-stream',
        ...(token !== undefined && { authorization: `Bearer ${token}` }),
      },
    });
    res.body.setEncoding('utf8');
    let buffer = '';
    this.closed = (async () => {
      try {
        for await (const chunk of res.body as AsyncIterable<string>) {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            this.parse(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        }
      } catch {
        // aborted by close()
      }
    })();
    return { status: res.statusCode, contentType: String(res.headers['content-type']) };
  }

  /** The first event (already received or still to come) of `type` that `match` accepts. */
  async waitFor<T>(
    type: string,
    match: (data: T) => boolean = () => true,
    timeoutMs = 15_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find((e) => e.type === type && match(e.data as T));
      if (found) return found.data as T;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no "${type}" event matched within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.closed;
    await this.agent.close();
  }

  private parse(block: string): void {
    let type = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (data.length === 0) return;
    this.events.push({ type, data: JSON.parse(data.join('\n')) as unknown });
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
