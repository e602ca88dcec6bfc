// Unit spec for the upgrade tunnel: the switch headers kept on both hops, and two sockets spliced
// so that data, ends and errors pass both ways.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { IncomingMessage } from 'node:http';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { splice, switchHeaders, withUpgrade } from './upgrade-tunnel.js';

describe('upgrade headers', () => {
  it('adds the switch to forwarded request headers, which had dropped it as hop-by-hop', () => {
    expect(withUpgrade(['host', 'chat'], 'websocket')).toEqual([
      'host',
      'chat',
      'connection',
      'upgrade',
      'upgrade',
      'websocket',
    ]);
  });

  it("keeps the 101's switch and WebSocket headers, drops other hop-by-hop ones", () => {
    const answer = {
      headers: {
        connection: 'Upgrade, x-hop',
        upgrade: 'websocket',
        'sec-websocket-accept': 'abc=',
        'x-hop': '1',
        'keep-alive': 'timeout=5',
      },
    } as unknown as IncomingMessage;
    expect(switchHeaders(answer)).toEqual({
      connection: 'upgrade',
      upgrade: 'websocket',
      'sec-websocket-accept': 'abc=',
    });
  });
});

/** Two connected loopback TCP sockets. */
async function socketPair(server: Server): Promise<[Socket, Socket]> {
  const accepted = once(server, 'connection');
  const { port } = server.address() as { port: number };
  const client = connect(port, '127.0.0.1');
  const [peer] = (await accepted) as [Socket];
  await once(client, 'connect');
  return [client, peer];
}

describe('splice', () => {
  let server: Server;
  const sockets: Socket[] = [];

  /** client ⇄ [proxyIn ⇄ proxyOut] ⇄ upstream, the brackets spliced; resolves `done` when both close. */
  async function tunnel(): Promise<{ client: Socket; upstream: Socket; done: Promise<void> }> {
    server = createServer({ allowHalfOpen: true });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const [client, proxyIn] = await socketPair(server);
    const [proxyOut, upstream] = await socketPair(server);
    sockets.push(client, proxyIn, proxyOut, upstream);
    const done = new Promise<void>((resolve) => splice(proxyIn, proxyOut, resolve));
    return { client, upstream, done };
  }

  afterEach(() => {
    for (const s of sockets.splice(0)) s.destroy();
    server.close();
  });

  it('passes bytes both ways', async () => {
    const { client, upstream } = await tunnel();
    client.write('ping');
    expect(String((await once(upstream, 'data'))[0])).toBe('ping');
    upstream.write('pong');
    expect(String((await once(client, 'data'))[0])).toBe('pong');
  });

  it("passes one side's end to the other after what it sent, and is done once both closed", async () => {
    const { client, upstream, done } = await tunnel();
    const received: Buffer[] = [];
    upstream.on('data', (chunk: Buffer) => received.push(chunk));
    client.end('last words');
    await once(upstream, 'end');
    expect(Buffer.concat(received).toString()).toBe('last words');
    upstream.end();
    await done;
  });

  it("closes the other side when one side's connection is reset", async () => {
    const { client, upstream, done } = await tunnel();
    upstream.resetAndDestroy();
    await once(client, 'close');
    await done;
  });
});
