import { createServer, type AddressInfo, type Socket } from 'node:net';
import { connect } from 'node:tls';
import { readClientHelloSni } from './client-hello-sni.js';

/** The first bytes a real Node TLS client sends (its ClientHello), with `servername`. */
async function clientHello(servername: string | undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let peer: Socket | undefined;
  const server = createServer((s) => {
    peer = s;
    s.on('data', (c: Buffer) => chunks.push(c));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const client = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false });
  client.on('error', () => undefined);
  while (readClientHelloSni(Buffer.concat(chunks)).state === 'incomplete')
    await new Promise((r) => setTimeout(r, 5));
  client.destroy();
  peer?.destroy();
  await new Promise((r) => server.close(r));
  return Buffer.concat(chunks);
}

/** The same handshake message framed as records of at most `size` bytes each. */
function reframed(hello: Buffer, size: number): Buffer {
  const body = hello.subarray(5, 5 + hello.readUInt16BE(3));
  const records: Buffer[] = [];
  for (let at = 0; at < body.length; at += size) {
    const fragment = body.subarray(at, at + size);
    const header = Buffer.from([0x16, 0x03, 0x01, 0, 0]);
    header.writeUInt16BE(fragment.length, 3);
    records.push(header, fragment);
  }
  return Buffer.concat(records);
}

describe('readClientHelloSni', () => {
  const name = 'api-west-1.api.shop.west.eastwest.weft';

  it('reads the server name a real TLS client sends', async () => {
    expect(readClientHelloSni(await clientHello(name))).toEqual({
      state: 'complete',
      serverName: name,
    });
  });

  it('says incomplete until the whole ClientHello is there, byte by byte', async () => {
    const hello = await clientHello(name);
    for (let n = 0; n < hello.length; n++)
      expect(readClientHelloSni(hello.subarray(0, n)).state).toBe('incomplete');
    expect(readClientHelloSni(hello).state).toBe('complete');
  });

  it('reassembles a ClientHello split over several records', async () => {
    const hello = reframed(await clientHello(name), 100);
    expect(readClientHelloSni(hello)).toEqual({ state: 'complete', serverName: name });
    expect(readClientHelloSni(hello.subarray(0, hello.length - 1)).state).toBe('incomplete');
  });

  it('finds no name in a ClientHello without one', async () => {
    expect(readClientHelloSni(await clientHello(''))).toEqual({
      state: 'complete',
      serverName: undefined,
    });
  });

  it.each([
    ['plaintext HTTP', Buffer.from('GET / HTTP/1.1\r\nHost: api\r\n\r\n')],
    ['one byte of plaintext', Buffer.from('G')],
    ['a handshake that is no ClientHello', Buffer.from([0x16, 3, 3, 0, 4, 2, 0, 0, 0])],
    ['an empty record', Buffer.from([0x16, 3, 1, 0, 0])],
    ['another record type', Buffer.from([0x17, 3, 3, 0, 1, 0])],
  ])('refuses %s as not TLS', (_why, bytes) => {
    expect(readClientHelloSni(bytes).state).toBe('not_tls');
  });

  it('refuses a ClientHello whose lengths run past its end', async () => {
    const hello = Buffer.from(await clientHello(name));
    // The session id's length byte, made to claim more than the message holds.
    hello[5 + 4 + 34] = 0xff;
    const body = hello.subarray(9, 9 + hello.readUIntBE(6, 3));
    body.fill(0xff, 35);
    expect(readClientHelloSni(hello).state).toBe('not_tls');
  });
});
