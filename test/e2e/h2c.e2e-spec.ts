// h2c through two sidecars: an HTTP/2 prior-knowledge client on A's outbound listener, h2c between
// the sidecars and to the app for a Service whose port says `appProtocol: kubernetes.io/h2c`,
// HTTP/1.1 and h2c on the same listener, HTTP/1.1 kept for a Service that does not say so.
import { connect, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { http } from '../support/admin-client.js';
import { EchoServer, type EchoReply } from '../support/echo-server.js';
import { H2cServer, type H2cReply } from '../support/h2c-server.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { waitFor } from '../support/wait-for.js';

const H2C_SERVICE = `
apiVersion: v1
kind: Service
metadata: { name: grid }
spec:
  selector: { app: grid }
  ports: [{ port: 80, appProtocol: kubernetes.io/h2c }]
`;

interface H2Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** One HTTP/2 request on `session`, its body sent in `chunks`. */
function h2Request(
  session: ClientHttp2Session,
  headers: Record<string, string>,
  chunks: Buffer[] = [],
): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: chunks.length === 0 });
    const body: Buffer[] = [];
    let answer: IncomingHttpHeaders = {};
    stream.on('response', (h) => (answer = h));
    stream.on('data', (chunk: Buffer) => body.push(chunk));
    stream.on('end', () =>
      resolve({ status: Number(answer[':status']), headers: answer, body: Buffer.concat(body) }),
    );
    stream.on('error', reject);
    for (const chunk of chunks) stream.write(chunk);
    if (chunks.length > 0) stream.end();
  });
}

describe('h2c through the mesh', () => {
  let mesh: Mesh;
  let caller: EchoServer;
  let grid: H2cServer;
  let plain: EchoServer;
  let a: Sidecar;
  let session: ClientHttp2Session;

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    [caller, grid, plain] = await Promise.all([
      new EchoServer('a').start(),
      new H2cServer('grid').start(),
      new EchoServer('plain').start(),
    ]);
    [a] = await Promise.all([
      mesh.startSidecar({ service: 'a', instanceId: 'a1', appPort: caller.port }),
      mesh.startSidecar({ service: 'grid', instanceId: 'grid1', appPort: grid.port }),
      mesh.startSidecar({ service: 'plain', instanceId: 'plain1', appPort: plain.port }),
    ]);
    await mesh.converged(await mesh.applyOk(H2C_SERVICE), ['a1', 'grid1', 'plain1']);
    await waitFor('grid and plain endpoints', async () =>
      (await mesh.endpointIds('grid')).length === 1 &&
      (await mesh.endpointIds('plain')).length === 1
        ? true
        : undefined,
    );
    session = connect(a.outbound);
  });

  afterAll(async () => {
    session?.close();
    await Promise.all([caller.stop(), grid.stop(), plain.stop()]);
    await mesh.stop();
  });

  it('carries an h2c request to an h2c app over h2c on both hops', async () => {
    const res = await h2Request(session, { ':path': '/hello?x=1', ':authority': 'grid' });
    expect(res.status).toBe(200);
    expect(res.headers['x-app']).toBe('grid');
    const reply = JSON.parse(res.body.toString()) as H2cReply;
    // The app only sees HTTP/2 when B's sidecar received HTTP/2 from A's (inbound keeps it).
    expect(reply).toMatchObject({ httpVersion: '2.0', method: 'GET', path: '/hello?x=1' });
  });

  it('streams a request body to the h2c app and its answer back', async () => {
    const chunks = Array.from({ length: 20 }, (_, i) => Buffer.alloc(16_384, 65 + i));
    const res = await h2Request(
      session,
      { ':method': 'POST', ':path': '/echo', ':authority': 'grid' },
      chunks,
    );
    expect(res.status).toBe(200);
    expect(res.body.equals(Buffer.concat(chunks))).toBe(true);
  });

  it('serves HTTP/1.1 on the same listener, still h2c to the h2c app', async () => {
    const res = await http(`${a.outbound}/from-h1`, { headers: { host: 'grid' } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ httpVersion: '2.0', path: '/from-h1' });
  });

  it('speaks HTTP/1.1 to a Service whose port does not ask for h2c, the client on h2c', async () => {
    const res = await h2Request(session, { ':path': '/plain', ':authority': 'plain' });
    expect(res.status).toBe(200);
    const reply = JSON.parse(res.body.toString()) as EchoReply;
    expect(reply).toMatchObject({ name: 'plain', url: '/plain' });
    expect(reply.headers.host).toBe('plain');
  });

  it('answers many concurrent streams on one h2c connection', async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        h2Request(session, { ':path': `/n/${i}`, ':authority': 'grid' }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(answers.map((r) => (JSON.parse(r.body.toString()) as H2cReply).path)).toEqual(
      Array.from({ length: 50 }, (_, i) => `/n/${i}`),
    );
  });
});
