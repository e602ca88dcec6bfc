import { createServer, connect as netConnect, type AddressInfo, type Server } from 'node:net';
import { connect } from 'node:tls';
import { pino } from 'pino';
import { eastWestSni } from '@app/protocol';
import { readClientHelloSni } from './client-hello-sni.js';
import { DEFAULT_EASTWEST_LIMITS, EastWestGateway } from './eastwest-gateway.js';
import { ExportedInstances } from './exported-instances.js';

/** An instance's inbound stand-in: records what reaches it (TLS is not terminated on the way). */
async function instance(): Promise<{ server: Server; port: number; received: Buffer[] }> {
  const received: Buffer[] = [];
  const server = createServer((s) => s.on('data', (c: Buffer) => received.push(c)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, received };
}

/** Opens a TLS connection to the gateway naming `servername`; resolves when the gateway closes it. */
function closedBy(port: number, servername: string): Promise<void> {
  return new Promise((resolve) => {
    const c = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false });
    c.on('error', () => undefined);
    c.on('close', () => resolve());
  });
}

async function waitUntil(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setTimeout(r, 5));
}

describe('EastWestGateway', () => {
  const target = { instanceId: 'api-1', service: 'api', namespace: 'shop', cluster: 'west' };
  let api: Awaited<ReturnType<typeof instance>>;
  let gateway: EastWestGateway;
  let port: number;
  let lines: { outcome?: string; sni?: string; msg: string }[];

  /** The outcomes the gateway logged (its access records and refusals). */
  const outcomes = (): (string | undefined)[] => lines.map((l) => l.outcome);

  beforeEach(async () => {
    api = await instance();
    const table = new ExportedInstances('west', { ttlMs: 60_000, maxServices: 10 });
    table.onAnnouncement(
      {
        v: 1,
        cluster: 'west',
        namespace: 'shop',
        service: 'api',
        exported: true,
        endpoints: [
          {
            instanceId: 'api-1',
            address: '127.0.0.1',
            port: api.port,
            labels: {},
            namespace: 'shop',
            service: 'api',
            serviceAccount: 'api',
          },
        ],
        sentAt: 0,
      },
      0,
    );
    lines = [];
    const log = pino(
      { level: 'info' },
      { write: (l: string) => lines.push(JSON.parse(l) as (typeof lines)[number]) },
    );
    gateway = new EastWestGateway(table, log, {
      ...DEFAULT_EASTWEST_LIMITS,
      maxHelloBytes: 1024,
      helloTimeoutMs: 300,
    });
    port = await gateway.listen(0, '127.0.0.1');
  });

  afterEach(async () => {
    await gateway.close(0);
    await new Promise((r) => api.server.close(r));
  });

  it('passes the caller’s TLS bytes, ClientHello first and unchanged, to the instance its SNI names', async () => {
    const c = connect({ host: '127.0.0.1', port, servername: eastWestSni(target) });
    c.on('error', () => undefined);
    const hello = await new Promise<ReturnType<typeof readClientHelloSni>>((resolve) => {
      const check = setInterval(() => {
        const read = readClientHelloSni(Buffer.concat(api.received));
        if (read.state !== 'complete') return;
        clearInterval(check);
        resolve(read);
      }, 5);
    });
    expect(hello).toEqual({ state: 'complete', serverName: eastWestSni(target) });
    c.destroy();
    // One access record when the connection ends, naming the SNI and the instance.
    await waitUntil(() => lines.length > 0);
    expect(lines[0]).toMatchObject({
      outcome: 'routed',
      sni: eastWestSni(target),
      instance: `127.0.0.1:${api.port}`,
    });
  });

  it.each([
    [
      'a Service that is not exported',
      eastWestSni({ ...target, service: 'catalog' }),
      'not_exported',
    ],
    [
      'an instance the export does not list',
      eastWestSni({ ...target, instanceId: 'api-9' }),
      'unknown_instance',
    ],
    ['another cluster', eastWestSni({ ...target, cluster: 'east' }), 'other_cluster'],
    ['a name that is no east-west name', 'api.shop.svc.cluster.local', 'unknown_sni'],
  ])('refuses %s: nothing reaches any instance', async (_why, servername, outcome) => {
    await closedBy(port, servername);
    expect(api.received).toEqual([]);
    expect(outcomes()).toEqual([outcome]);
  });

  it('refuses plaintext and a client that sends no ClientHello in time', async () => {
    const plain = netConnect(port, '127.0.0.1');
    plain.on('error', () => undefined);
    plain.write('GET / HTTP/1.1\r\nHost: api\r\n\r\n');
    const silent = netConnect(port, '127.0.0.1');
    silent.on('error', () => undefined);
    await Promise.all([plain, silent].map((s) => new Promise((r) => s.on('close', r))));
    expect(api.received).toEqual([]);
    expect(outcomes()).toEqual(['not_tls', 'hello_timeout']);
  });

  it('refuses a ClientHello that outgrows the bound without completing', async () => {
    const s = netConnect(port, '127.0.0.1');
    s.on('error', () => undefined);
    // A record header announcing 16 KiB, then more than the bound (1 KiB here) that never completes it.
    s.write(Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0xff, 0xff]));
    s.write(Buffer.alloc(2048, 1));
    await new Promise((r) => s.on('close', r));
    expect(api.received).toEqual([]);
    expect(outcomes()).toEqual(['hello_too_large']);
  });
});
