// End-to-end test of the NATS test fixture itself: real servers, real clients, data across restarts.
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { startNats, type NatsHandle, type NatsOptions } from '../support/nats-fixture.js';

// Fast, unlimited reconnects so a client rides through restart() as a sidecar would.
const CLIENT_OPTS = { reconnectTimeWait: 100, maxReconnectAttempts: -1 } as const;

/** Resolves on the connection's next successful reconnect. */
async function nextReconnect(nc: NatsConnection): Promise<void> {
  for await (const status of nc.status()) {
    if (status.type === 'reconnect') return;
  }
  throw new Error('connection closed before it reconnected');
}

describe('NATS test fixture', () => {
  const servers: NatsHandle[] = [];
  const clients: NatsConnection[] = [];

  async function server(opts?: NatsOptions): Promise<NatsHandle> {
    const nats = await startNats(opts);
    servers.push(nats);
    return nats;
  }

  async function client(url: string, opts?: ConnectionOptions): Promise<NatsConnection> {
    const nc = await connect({ servers: url, ...CLIENT_OPTS, ...opts });
    clients.push(nc);
    return nc;
  }

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((nc) => nc.close()));
    await Promise.all(servers.splice(0).map((nats) => nats.stop()));
  });

  it('runs on the backend WEFT_TEST_NATS asks for, on a free loopback port', async () => {
    const nats = await server();
    const wanted = process.env.WEFT_TEST_NATS;
    if (wanted === 'container' || wanted === 'binary') expect(nats.backend).toBe(wanted);
    expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
    const nc = await client(nats.url);
    expect(nc.info?.port).toBe(nats.port);
    expect(nc.info?.jetstream).toBe(true);
  });

  it('keeps JetStream KV data across restart() on the same port', async () => {
    const nats = await server();
    const nc = await client(nats.url);
    // NATS 2.9: no compression or metadata on the bucket.
    const kv = await new Kvm(nc).create('t', { history: 1 });
    const revision = await kv.put('greeting', 'hello from before the restart');

    const reconnected = nextReconnect(nc);
    await nats.restart();

    // restart() resolves only once the server is ready: a client without retries gets in at once.
    const fresh = await client(nats.url, { reconnect: false });
    const again = await new Kvm(fresh).open('t');
    expect((await again.get('greeting'))?.string()).toBe('hello from before the restart');

    // The client connected before the restart rides through it.
    await reconnected;
    const entry = await kv.get('greeting');
    expect(entry?.string()).toBe('hello from before the restart');
    expect(entry?.revision).toBe(revision);
  });

  it('starts a core-only server with jetstream: false and passes extra args', async () => {
    const nats = await server({ jetstream: false, args: ['--server_name', 'weft-fixture-test'] });
    const nc = await client(nats.url);
    expect(nc.info?.server_name).toBe('weft-fixture-test');
    expect(nc.info?.jetstream ?? false).toBe(false);
    await expect(jetstreamManager(nc)).rejects.toThrow();

    nc.subscribe('echo', {
      callback: (_err, msg) => {
        msg.respond(msg.data);
      },
    });
    const reply = await nc.request('echo', 'ping', { timeout: 2_000 });
    expect(reply.string()).toBe('ping');
  });

  it('gives concurrent servers distinct ports', async () => {
    const [a, b] = await Promise.all([server({ jetstream: false }), server({ jetstream: false })]);
    expect(a.port).not.toBe(b.port);
    const [ncA, ncB] = await Promise.all([client(a.url), client(b.url)]);
    expect(ncA.info?.server_id).not.toBe(ncB.info?.server_id);
  });

  it('stop() is idempotent and the port is closed afterwards', async () => {
    const nats = await server({ jetstream: false });
    await nats.stop();
    await nats.stop();
    await expect(
      connect({ servers: nats.url, reconnect: false, timeout: 1_000 }),
    ).rejects.toThrow();
  });
});
