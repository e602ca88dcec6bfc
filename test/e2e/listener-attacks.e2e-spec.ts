// Attacks on a proxy's listeners, against real sidecar processes over raw TCP, each test named after
// the attack: malformed requests get a 4xx and reach no upstream, a slowloris is cut at the headers
// timeout (in plaintext and over mutual TLS), a connection flood meets the listener's cap, an
// overloaded proxy sheds with 503; and the proxy keeps serving everyone else.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { http } from '../support/admin-client.js';
import { EchoServer, type EchoReply } from '../support/echo-server.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { metric } from '../support/metrics.js';
import { waitFor } from '../support/wait-for.js';

/** What came back on a raw connection before it closed. */
interface RawReply {
  status: number | undefined;
  headers: Record<string, string>;
  body: string;
  text: string;
}

function parse(text: string): RawReply {
  const end = text.indexOf('\r\n\r\n');
  const [line, ...fields] = text.slice(0, end === -1 ? text.length : end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const field of fields) {
    const colon = field.indexOf(':');
    if (colon > 0) headers[field.slice(0, colon).toLowerCase()] = field.slice(colon + 1).trim();
  }
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(line)?.[1];
  const body = end === -1 ? '' : text.slice(end + 4);
  return {
    status: status === undefined ? undefined : Number(status),
    headers,
    body: headers['transfer-encoding'] === 'chunked' ? unchunked(body) : body,
    text,
  };
}

/** A chunked body's data (ASCII bodies: the chunk sizes count characters). */
function unchunked(body: string): string {
  let data = '';
  for (let at = 0; ;) {
    const eol = body.indexOf('\r\n', at);
    const size = parseInt(body.slice(at, eol), 16);
    if (!(size > 0)) return data;
    data += body.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

/**
 * Opens a connection to `port`, writes `bytes` (then, every `trickleMs`, one more header line, as a
 * slowloris does) and resolves with what came back once the proxy closes it. The bound only
 * catches a proxy that never closes.
 */
function raw(
  port: number,
  bytes: string,
  trickleMs = 0,
  /** Over TLS with these options (the bytes go once the handshake is done). */
  tls?: ConnectionOptions,
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = tls
      ? tlsConnect({ ...tls, port, host: '127.0.0.1', ALPNProtocols: ['http/1.1'] })
      : connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const trickle =
      trickleMs > 0 ? setInterval(() => socket.write('x-slow: 1\r\n'), trickleMs) : undefined;
    const hang = setTimeout(() => {
      socket.destroy();
      reject(new Error(`port ${port} never closed the connection for ${JSON.stringify(bytes)}`));
    }, 30_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined); // a refused connection is reset: what came back counts
    socket.on('close', () => {
      clearInterval(trickle);
      clearTimeout(hang);
      resolve(parse(Buffer.concat(chunks).toString('latin1')));
    });
    if (tls) socket.once('secureConnect', () => socket.write(bytes));
    else socket.write(bytes);
  });
}

/** A connection that was served one request to `b` and stays open (keep-alive). */
function keptAlive(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.startsWith('HTTP/1.1 200 ')) resolve(socket);
      else if (text.includes('\r\n\r\n')) reject(new Error(`not served: ${text}`));
    });
    socket.write('GET /held HTTP/1.1\r\nHost: b\r\n\r\n');
  });
}

/** One plain request to `b` on its own connection, which then closes (so it holds no slot). */
const plain = (port: number, path: string) =>
  raw(port, `GET ${path} HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n`);
/** Headers that never finish: the request line and one field, no blank line. */
const SLOW_START = 'GET /slowloris HTTP/1.1\r\nHost: b\r\n';

describe('listener attacks', () => {
  let mesh: Mesh;
  let appB: EchoServer;
  const apps: EchoServer[] = [];
  /** Default limits. */
  let a: Sidecar;
  /** A 1 s headers timeout and at most 8 connections per listener. */
  let guarded: Sidecar;
  /** A 1 MiB heap threshold, which any process is past: it sheds every request. */
  let shedding: Sidecar;
  /** Runs with 256 open files: the overload manager's default connection threshold is 128. */
  let starved: Sidecar;

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    appB = await new EchoServer('b1').start();
    apps.push(appB);
    for (const name of ['a', 'g', 's', 'f']) apps.push(await new EchoServer(name).start());
    [a, guarded, shedding, starved] = await Promise.all([
      mesh.startSidecar({ service: 'a', instanceId: 'a1', appPort: apps[1].port }),
      mesh.startSidecar({
        service: 'g',
        instanceId: 'g1',
        appPort: apps[2].port,
        env: { WEFT_HEADERS_TIMEOUT_MS: '1000', WEFT_MAX_CONNECTIONS: '8' },
      }),
      // Never ready (capacity: false), so started without waiting for /readyz.
      mesh.startSidecar(
        {
          service: 's',
          instanceId: 's1',
          appPort: apps[3].port,
          env: { WEFT_OVERLOAD_MAX_HEAP_MB: '1' },
        },
        false,
      ),
      mesh.startSidecar({ service: 'f', instanceId: 'f1', appPort: apps[4].port, fileLimit: 256 }),
      mesh.startSidecar({ service: 'b', instanceId: 'b1', appPort: appB.port }),
    ]);
    await waitFor('b endpoints', async () =>
      (await mesh.endpointIds('b')).length === 1 ? true : undefined,
    );
    // Every proxy routes to b before the attacks start.
    for (const proxy of [a, guarded, starved])
      await waitFor(`${proxy.instanceId} to route to b`, async () =>
        (await plain(proxy.outboundPort, '/warm')).status === 200 ? true : undefined,
      );
  });

  afterAll(async () => {
    await Promise.all(apps.map((s) => s.stop()));
    await mesh.stop();
  });

  const healthz = (proxy: Sidecar) => http(`http://127.0.0.1:${proxy.adminPort}/healthz`);
  const seenByB = (path: string) => appB.received.filter((r: EchoReply) => r.url === path).length;

  describe('malformed requests', () => {
    const table: [name: string, request: string, status: number, reason: string][] = [
      ['two Host headers', 'GET /m1 HTTP/1.1\r\nHost: b\r\nHost: b\r\n\r\n', 400, 'bad_request'],
      ['OPTIONS *', 'OPTIONS * HTTP/1.1\r\nHost: b\r\n\r\n', 400, 'bad_request'],
      ['an HTTP/2.0 request line', 'GET /m2 HTTP/2.0\r\nHost: b\r\n\r\n', 400, 'bad_request'],
      ['a wildcard Host', 'GET /m3 HTTP/1.1\r\nHost: >\r\n\r\n', 400, 'bad_request'],
      ['a Host with a path', 'GET /m4 HTTP/1.1\r\nHost: b/x\r\n\r\n', 400, 'bad_request'],
      ['HTTP/1.1 without Host', 'GET /m5 HTTP/1.1\r\n\r\n', 400, 'bad_request'],
      [
        'a header line without a colon',
        'GET /m6 HTTP/1.1\r\nHost: b\r\nno colon\r\n\r\n',
        400,
        'bad_request',
      ],
      [
        'an absolute URL of another scheme',
        'GET ftp://b/m7 HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n',
        400,
        'bad_request',
      ],
      [
        '20 KiB of headers',
        `GET /m8 HTTP/1.1\r\nHost: b\r\nx-big: ${'a'.repeat(20_480)}\r\n\r\n`,
        431,
        'headers_too_large',
      ],
      ['CONNECT', 'CONNECT b:80 HTTP/1.1\r\nHost: b:80\r\n\r\n', 405, 'method_not_allowed'],
    ];
    it.each(table.map(([name, request, status, reason]) => ({ name, request, status, reason })))(
      '$name: answered $status $reason with the JSON body, no upstream saw it',
      async ({ request, status, reason }) => {
        const before = appB.received.length;
        const reply = await raw(a.outboundPort, request);
        expect(reply.status).toBe(status);
        expect(reply.headers['x-weft-error']).toBe(reason);
        expect(JSON.parse(reply.body)).toMatchObject({ error: reason });
        if (reason === 'method_not_allowed') expect(reply.headers.allow).toMatch(/\bGET\b/);
        expect(appB.received.length).toBe(before);
      },
    );

    it('an absolute-form target replaces the Host header, for routing and upstream (RFC 9112 §3.2.2)', async () => {
      const reply = await raw(
        a.outboundPort,
        'GET http://b/abs HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n',
      );
      expect(reply.status).toBe(200);
      const echoed = JSON.parse(reply.body) as EchoReply;
      expect([echoed.name, echoed.headers.host, echoed.headers['x-forwarded-host']]).toEqual([
        'b1',
        'b',
        'b',
      ]);
    });

    it('keeps serving after them, and no endpoint was blamed: b stays in, nothing was ejected', async () => {
      for (let i = 0; i < 5; i++)
        await raw(a.outboundPort, 'GET /dup HTTP/1.1\r\nHost: b\r\nHost: b\r\n\r\n');
      expect(seenByB('/dup')).toBe(0);
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => plain(a.outboundPort, `/after/${i}`)),
      );
      expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
      expect(await metric(a.adminPort, 'weft_upstream_ejections_total')).toBe(0);
      expect((await healthz(a)).status).toBe(200);
    });
  });

  it('slowloris: connections trickling their headers get 408 and are closed at the headers timeout, while other clients are served', async () => {
    const before = await metric(guarded.adminPort, 'weft_listener_limited_connections_total', [
      'weft_limit="headers_timeout"',
    ]);
    // 4 slow and 3 plain connections: within the cap of 8.
    const slow = Array.from({ length: 4 }, () => raw(guarded.outboundPort, SLOW_START, 200));
    const served = await Promise.all(
      Array.from({ length: 3 }, (_, i) => plain(guarded.outboundPort, `/meanwhile/${i}`)),
    );
    expect(served.map((r) => r.status)).toEqual(served.map(() => 200));
    for (const reply of await Promise.all(slow)) {
      expect(reply.status).toBe(408);
      expect(JSON.parse(reply.body)).toMatchObject({ error: 'request_timeout' });
    }
    expect(seenByB('/slowloris')).toBe(0);
    const after = await metric(guarded.adminPort, 'weft_listener_limited_connections_total', [
      'weft_limit="headers_timeout"',
    ]);
    expect(after - before).toBe(4);
    expect((await healthz(guarded)).status).toBe(200);
  });

  it('slowloris over mutual TLS: a workload inbound cuts connections trickling their headers after the handshake with 408 at the headers timeout', async () => {
    // The caller presents a's workload certificate, as a's sidecar does.
    const file = join(mesh.stateDir, 'weft-identity-a1-default-a.json');
    const identity = JSON.parse(await readFile(file, 'utf8')) as {
      key: string;
      chain: string[];
      roots: string[];
    };
    const tls: ConnectionOptions = {
      key: identity.key,
      cert: identity.chain.join('\n'),
      ca: identity.roots,
      checkServerIdentity: () => undefined,
    };
    const before = await metric(guarded.adminPort, 'weft_listener_limited_connections_total', [
      'weft_limit="headers_timeout"',
    ]);
    const slow = Array.from({ length: 3 }, () =>
      raw(guarded.inboundPort, 'GET /tls-slowloris HTTP/1.1\r\nHost: g\r\n', 200, tls),
    );
    // A whole request over the same mTLS listener is served meanwhile.
    const served = await raw(
      guarded.inboundPort,
      'GET /tls-meanwhile HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n',
      0,
      tls,
    );
    expect(served.status).toBe(200);
    for (const reply of await Promise.all(slow)) {
      expect(reply.status).toBe(408);
      expect(JSON.parse(reply.body)).toMatchObject({ error: 'request_timeout' });
    }
    expect(apps[2].received.filter((r: EchoReply) => r.url === '/tls-slowloris')).toEqual([]);
    const after = await metric(guarded.adminPort, 'weft_listener_limited_connections_total', [
      'weft_limit="headers_timeout"',
    ]);
    expect(after - before).toBe(3);
    expect((await healthz(guarded)).status).toBe(200);
  });

  it('slowloris of 500 connections against a 256 open-file limit: /healthz stays fine, a request is served or refused cleanly, and served once they go', async () => {
    const limits = await readFile(`/proc/${starved.proc.pid}/limits`, 'latin1');
    expect(limits).toMatch(/^Max open files\s+256\s+256/m);
    const sockets: Socket[] = [];
    const refusals = () =>
      metric(starved.adminPort, 'weft_listener_limited_connections_total', [
        'weft_limit="overload"',
      ]);
    for (let i = 0; i < 500; i++) {
      const socket = connect(starved.outboundPort, '127.0.0.1');
      socket.on('error', () => undefined); // refused ones are closed by the proxy
      socket.write(SLOW_START);
      sockets.push(socket);
    }
    await waitFor('the overload manager to refuse connections', async () =>
      (await refusals()) > 0 ? true : undefined,
    );
    expect((await healthz(starved)).status).toBe(200);
    // Refused while overloaded: closed unanswered at accept, or shed with 503; never a hang or 5xx else.
    const during = await plain(starved.outboundPort, '/during-slowloris');
    expect([
      during.status === undefined && during.text === '',
      during.status === 200,
      during.status === 503 && during.headers['x-weft-error'] === 'overloaded',
    ]).toContain(true);
    expect(starved.proc.running).toBe(true);
    for (const socket of sockets) socket.destroy();
    await waitFor('a request served once the slow connections are gone', async () =>
      (await plain(starved.outboundPort, '/after-slowloris')).status === 200 ? true : undefined,
    );
    expect((await healthz(starved)).status).toBe(200);
    expect(starved.proc.running).toBe(true);
  });

  it('connection flood: past the listener cap a connection is closed unanswered, /healthz stays fine, and a freed slot serves again', async () => {
    const open = () =>
      metric(guarded.adminPort, 'weft_listener_active_connections', ['weft_listener="outbound"']);
    await waitFor('no connection left from earlier tests', async () =>
      (await open()) === 0 ? true : undefined,
    );
    const refusals = () =>
      metric(guarded.adminPort, 'weft_listener_limited_connections_total', [
        'weft_limit="max_connections"',
      ]);
    const refusedBefore = await refusals();
    // Each held connection was served once and stays open (keep-alive): the cap of 8 is taken.
    const held = await Promise.all(
      Array.from({ length: 8 }, () => keptAlive(guarded.outboundPort)),
    );
    const refused = await plain(guarded.outboundPort, '/flood');
    expect(refused.text).toBe('');
    expect((await refusals()) - refusedBefore).toBe(1);
    expect((await healthz(guarded)).status).toBe(200);
    expect(seenByB('/flood')).toBe(0);
    held[0].destroy();
    await waitFor('a new client served once a slot is free', async () =>
      (await plain(guarded.outboundPort, '/after-flood')).status === 200 ? true : undefined,
    );
    for (const socket of held) socket.destroy();
  });

  it('overload: past the heap threshold every new request is shed with 503 and counted, /readyz fails and /healthz stays fine', async () => {
    await waitFor('the shedding sidecar to be up', async () =>
      (await healthz(shedding)).status === 200 ? true : undefined,
    );
    const before = appB.received.length;
    const replies = await Promise.all(
      Array.from({ length: 3 }, (_, i) => plain(shedding.outboundPort, `/shed/${i}`)),
    );
    for (const reply of replies) {
      expect([reply.status, reply.headers['x-weft-error'], reply.headers['retry-after']]).toEqual([
        503,
        'overloaded',
        '1',
      ]);
      expect(reply.headers.connection).toBe('close');
    }
    expect(appB.received.length).toBe(before);
    expect(await metric(shedding.adminPort, 'weft_proxy_overload_shed_requests_total')).toBe(3);
    expect(await metric(shedding.adminPort, 'weft_proxy_overloaded')).toBe(1);
    const ready = await http(`http://127.0.0.1:${shedding.adminPort}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({ conditions: { capacity: false } });
    expect((await healthz(shedding)).status).toBe(200);
  });
});
