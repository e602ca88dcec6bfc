// A real WebSocket application for e2e tests: greets, echoes, closes when asked; plain HTTP too.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface ClosedBy {
  readonly code: number;
  readonly reason: string;
}

/**
 * A WebSocket on any path but `/refuse` (answered 403 without switching) greets with
 * `hello from <name>`, echoes each message as `echo:<message>`, and on `close-me` closes with
 * 4000 `bye`. Plain HTTP requests get 200 `plain <name>`.
 */
export class WebSocketEchoServer {
  private readonly server: Server;
  private readonly sockets = new WebSocketServer({ noServer: true });
  port = 0;
  /** How each client's socket was closed by the client, in order. */
  readonly closedByClient: ClosedBy[] = [];

  constructor(readonly name: string) {
    this.server = createServer((_req, res) => res.end(`plain ${name}`));
    this.server.on('upgrade', (req, socket: Socket, head: Buffer) => {
      if (req.url === '/refuse') {
        socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
        return;
      }
      this.sockets.handleUpgrade(req, socket, head, (ws) => this.greet(ws));
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  stop(): Promise<void> {
    for (const ws of this.sockets.clients) ws.terminate();
    return new Promise((done) => {
      this.server.close(() => done());
      this.server.closeAllConnections();
    });
  }

  private greet(ws: WebSocket): void {
    ws.send(`hello from ${this.name}`);
    ws.on('message', (data: Buffer, binary) => {
      const text = binary ? '' : data.toString();
      if (text === 'close-me') ws.close(4000, 'bye');
      else ws.send(binary ? data : `echo:${text}`, { binary });
    });
    ws.on('close', (code, reason) => {
      // Only a close the client started: a close this server started echoes its own code back.
      if (code !== 4000) this.closedByClient.push({ code, reason: reason.toString() });
    });
  }
}
