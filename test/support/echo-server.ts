// A real upstream application for e2e tests: echoes what it received, streams bodies, can be slow.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EchoReply {
  name: string;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  bytes: number;
}

/**
 * `POST /echo` streams the request body back; `/slow?ms=N` answers after N ms (`/slow-on/<name>`:
 * only the server of that name is slow); `/stall-body?ms=N` sends its headers and `first,` at once
 * and the rest of its body (`rest`) N ms later; anything else answers JSON describing the request.
 * Every answer carries `x-echo-name` and `x-custom`.
 */
export class EchoServer {
  private readonly server: Server;
  port = 0;
  /** Every non-streaming request answered, in order (tests count mirrored traffic with it). */
  readonly received: EchoReply[] = [];
  /** Requests to `/flaky…` so far: every `every`-th answers 503. */
  private flaky = 0;

  constructor(readonly name: string) {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  /**
   * Listens on `port` (a free one when 0); a stopped server's port can be reused this way. `host`:
   * another address than loopback (where proxies in a network namespace reach it).
   */
  async start(port = 0, host = '127.0.0.1'): Promise<this> {
    await new Promise<void>((done) => this.server.listen(port, host, done));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((done) => {
      this.server.close(() => done());
      this.server.closeAllConnections();
    });
  }

  /**
   * `/status/<code>` answers that code; `/fail-on/<name>` answers 500 from the server of that
   * name only; `/flaky…?every=N` answers 503 to every N-th request; anything else 200.
   */
  private statusFor(url: URL): number {
    const fixed = /^\/status\/(\d{3})$/.exec(url.pathname);
    if (fixed) return Number(fixed[1]);
    if (url.pathname.startsWith('/fail-on/'))
      return url.pathname.slice(9) === this.name ? 500 : 200;
    if (url.pathname.startsWith('/flaky')) {
      const every = Number(url.searchParams.get('every') ?? 3);
      return ++this.flaky % every === 0 ? 503 : 200;
    }
    return 200;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('x-echo-name', this.name);
    res.setHeader('x-custom', `custom-${this.name}`);
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && url.pathname === '/echo') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      req.pipe(res);
      return;
    }
    if (url.pathname === '/stall-body') {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first,');
      const rest = setTimeout(() => res.end('rest'), Number(url.searchParams.get('ms') ?? 0));
      res.on('close', () => clearTimeout(rest));
      return;
    }
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      const reply: EchoReply = {
        name: this.name,
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        bytes,
      };
      this.received.push(reply);
      const send = (): void => {
        res.writeHead(this.statusFor(url), { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply));
      };
      const slow = url.pathname === '/slow' || url.pathname === `/slow-on/${this.name}`;
      const delay = slow ? Number(url.searchParams.get('ms') ?? 0) : 0;
      if (delay > 0) setTimeout(send, delay);
      else send();
    });
  }
}
