// WebSocket through two sidecars: A's outbound → B's inbound → B's app, messages both ways, closes
// propagated, a refused upgrade passed on, counted as 101 in both access logs.
import { once } from 'node:events';
import WebSocket from 'ws';
import { http } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { waitFor } from '../support/wait-for.js';
import { WebSocketEchoServer } from '../support/websocket-server.js';

/** A client socket whose messages are read in order with `next()`. */
class Client {
  private readonly messages: string[] = [];
  private waiting: ((message: string) => void) | undefined;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = (data as Buffer).toString();
      if (this.waiting) this.waiting(text);
      else this.messages.push(text);
      this.waiting = undefined;
    });
  }

  next(): Promise<string> {
    const queued = this.messages.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => (this.waiting = resolve));
  }
}

describe('WebSocket through the mesh', () => {
  let mesh: Mesh;
  let caller: EchoServer;
  let chat: WebSocketEchoServer;
  let a: Sidecar;
  let b: Sidecar;
  const opened: WebSocket[] = [];

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    [caller, chat] = await Promise.all([
      new EchoServer('a').start(),
      new WebSocketEchoServer('chat').start(),
    ]);
    const env = { WEFT_ACCESS_LOG: 'stdout' };
    [a, b] = await Promise.all([
      mesh.startSidecar({ service: 'a', instanceId: 'a1', appPort: caller.port, env }),
      mesh.startSidecar({ service: 'chat', instanceId: 'chat1', appPort: chat.port, env }),
    ]);
    await waitFor('chat endpoints', async () =>
      (await mesh.endpointIds('chat')).length === 1 ? true : undefined,
    );
  });

  afterAll(async () => {
    for (const ws of opened) if (ws.readyState === WebSocket.OPEN) ws.terminate();
    await Promise.all([caller.stop(), chat.stop()]);
    await mesh.stop();
  });

  async function connect(path: string): Promise<Client> {
    const ws = new WebSocket(`ws://127.0.0.1:${a.outboundPort}${path}`, {
      headers: { host: 'chat' },
    });
    opened.push(ws);
    const client = new Client(ws);
    await once(ws, 'open');
    return client;
  }

  /** The answer to an upgrade the other side did not switch for. */
  async function refused(
    path: string,
    host: string,
  ): Promise<{ statusCode: number; headers: Record<string, string> }> {
    const ws = new WebSocket(`ws://127.0.0.1:${a.outboundPort}${path}`, { headers: { host } });
    ws.on('error', () => undefined); // the handshake abandoned below
    const [, res] = (await once(ws, 'unexpected-response')) as [
      unknown,
      { statusCode: number; headers: Record<string, string> },
    ];
    ws.terminate();
    return res;
  }

  it('carries messages both ways, the server speaking first', async () => {
    const client = await connect('/room');
    expect(await client.next()).toBe('hello from chat');
    client.ws.send('one');
    expect(await client.next()).toBe('echo:one');
    const big = 'x'.repeat(200_000);
    client.ws.send(big);
    expect(await client.next()).toBe(`echo:${big}`);
    client.ws.send(Buffer.from([0, 1, 2, 255]));
    expect(await client.next()).toBe(Buffer.from([0, 1, 2, 255]).toString());
    client.ws.close();
  });

  it("passes the server's close to the client, code and reason", async () => {
    const client = await connect('/room');
    await client.next();
    client.ws.send('close-me');
    const [code, reason] = (await once(client.ws, 'close')) as [number, Buffer];
    expect({ code, reason: reason.toString() }).toEqual({ code: 4000, reason: 'bye' });
  });

  it("passes the client's close to the server, code and reason", async () => {
    const client = await connect('/room');
    await client.next();
    const before = chat.closedByClient.length;
    client.ws.close(1000, 'done');
    await once(client.ws, 'close');
    const closed = await waitFor('the close at the server', () =>
      chat.closedByClient.length > before ? chat.closedByClient[before] : undefined,
    );
    expect(closed).toEqual({ code: 1000, reason: 'done' });
  });

  it('answers an upgrade the app refuses with its status, and plain requests on the same listener', async () => {
    expect((await refused('/refuse', 'chat')).statusCode).toBe(403);
    const plain = await http(`${a.outbound}/plain`, { headers: { host: 'chat' } });
    expect({ status: plain.status, body: plain.body }).toEqual({ status: 200, body: 'plain chat' });
  });

  it('answers an upgrade to an unknown host 404 from the proxy', async () => {
    const res = await refused('/room', 'nowhere');
    expect([res.statusCode, res.headers['x-weft-error']]).toEqual([404, 'no_route']);
  });

  it('logs each tunnel as a 101 on both hops once it closes', async () => {
    const client = await connect('/logged');
    await client.next();
    client.ws.close();
    await once(client.ws, 'close');
    for (const sidecar of [a, b]) {
      await waitFor(`a 101 access record on ${sidecar.instanceId}`, () =>
        sidecar.proc
          .logs()
          .some(
            (l) =>
              l.includes('"msg":"access"') &&
              l.includes('"path":"/logged"') &&
              l.includes('"status":101'),
          )
          ? true
          : undefined,
      );
    }
  });
});
