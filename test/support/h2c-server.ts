// A real HTTP/2 cleartext (prior knowledge only) application for e2e tests, on node:http2.
import {
  createServer,
  type Http2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
} from 'node:http2';
import type { AddressInfo } from 'node:net';

/** What the app saw of a request. */
export interface H2cReply {
  readonly name: string;
  readonly httpVersion: string;
  readonly method: string;
  readonly path: string;
  readonly authority: string;
}

/** `POST /echo` streams the body back; anything else answers an `H2cReply` as JSON. */
export class H2cServer {
  private readonly server: Http2Server;
  port = 0;

  constructor(readonly name: string) {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((done) => this.server.close(() => done()));
  }

  private handle(req: Http2ServerRequest, res: Http2ServerResponse): void {
    res.setHeader('x-app', this.name);
    if (req.method === 'POST' && req.url === '/echo') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      req.pipe(res);
      return;
    }
    const reply: H2cReply = {
      name: this.name,
      httpVersion: req.httpVersion,
      method: req.method,
      path: req.url,
      authority: req.authority,
    };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply));
  }
}
