// Unit spec of a caller's mesh mTLS against a real TLS server: the peer must chain to the trust
// bundle and name exactly the SPIFFE ID of the instance dialled; the caller presents its own leaf.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import { spiffeId } from '@app/protocol';
import type { CertificateBundle } from '../identity/certificate-bundle.js';
import { MeshCa } from '../identity/mesh-ca.testing.js';
import { MeshTls, type CallerCertificate } from './mesh-tls.js';
import { connectionOptions, type UpstreamTls } from './upstream-tls.js';

const API = spiffeId('cluster.local', 'shop', 'api');
const WEB = spiffeId('cluster.local', 'shop', 'web');
const NODE = spiffeId('cluster.local', 'shop', 'node');

/** A caller identity whose bundle a spec sets, emitting `change` as WorkloadIdentity does. */
class FakeIdentity extends EventEmitter implements CallerCertificate {
  current: CertificateBundle | undefined;
  constructor(readonly spiffeId = WEB) {
    super();
  }
  set(bundle: CertificateBundle): void {
    this.current = bundle;
    this.emit('change', bundle);
  }
}

describe('MeshTls', () => {
  let ca: MeshCa;
  let server: Server;
  let port: number;
  /** The client certificate SAN the server saw on each connection. */
  const clients: string[] = [];
  /** The server name (SNI) each connection sent. */
  const names: (string | false | null)[] = [];

  beforeAll(async () => {
    ca = await MeshCa.make();
    const api = await ca.issue(API);
    server = createServer(
      {
        key: api.key,
        cert: api.chain.join('\n'),
        ca: [...api.roots],
        requestCert: true,
        rejectUnauthorized: true,
      },
      (socket: TLSSocket) => {
        clients.push(socket.getPeerCertificate().subjectaltname ?? '');
        names.push(socket.servername);
        socket.end();
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Dials the server as `instance` would be: 'ok', or the handshake's error code. */
  const dial = (mesh: MeshTls, namespace: string, serviceAccount: string): Promise<string> =>
    dialWith(mesh.toInstance(namespace, serviceAccount));

  const dialWith = (tls: UpstreamTls): Promise<string> =>
    new Promise((resolve) => {
      const { servername } = tls;
      const socket = connect({ host: '127.0.0.1', port, servername, ...connectionOptions(tls) });
      // The server ends the connection once it has seen the client's certificate.
      socket.once('secureConnect', () => resolve('ok'));
      socket.resume();
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });

  it('connects to the instance it meant, presenting the caller’s identity', async () => {
    const caller = new FakeIdentity();
    caller.set(await ca.issue(WEB));
    const mesh = new MeshTls(caller);
    const seen = clients.length;
    expect(await dial(mesh, 'shop', 'api')).toBe('ok');
    // TLS 1.3: the client is done before the server has checked its certificate.
    for (let i = 0; i < 200 && clients.length === seen; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(clients.at(-1)).toBe(`URI:${WEB}`);
  });

  it('through an east-west gateway: sends the SNI naming the instance, and still checks its identity', async () => {
    const caller = new FakeIdentity();
    caller.set(await ca.issue(WEB));
    const mesh = new MeshTls(caller);
    const sni = 'api-1.api.shop.west.eastwest.weft';
    const seen = names.length;
    expect(await dialWith(mesh.throughGateway('shop', 'api', sni))).toBe('ok');
    for (let i = 0; i < 200 && names.length === seen; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(names.at(-1)).toBe(sni);
    expect(await dialWith(mesh.throughGateway('shop', 'reviews', sni))).toBe(
      'ERR_WEFT_PEER_IDENTITY',
    );
    // Pools apart from the direct connections, and kept by another caller's MeshTls.
    expect(mesh.throughGateway('shop', 'api', sni).id).not.toBe(mesh.toInstance('shop', 'api').id);
    expect(mesh.instead(mesh.throughGateway('shop', 'api', sni))?.servername).toBe(sni);
  });

  it('refuses a server whose genuine certificate names another identity', async () => {
    const caller = new FakeIdentity();
    caller.set(await ca.issue(WEB));
    expect(await dial(new MeshTls(caller), 'shop', 'reviews')).toBe('ERR_WEFT_PEER_IDENTITY');
  });

  it('refuses a server outside its trust bundle, and fails closed before it holds a leaf', async () => {
    const stranger = new FakeIdentity();
    stranger.set(await (await MeshCa.make()).issue(WEB));
    expect(await dial(new MeshTls(stranger), 'shop', 'api')).not.toBe('ok');
    expect(await dial(new MeshTls(new FakeIdentity()), 'shop', 'api')).not.toBe('ok');
  });

  it('presents a renewed leaf on the next connection', async () => {
    const caller = new FakeIdentity();
    caller.set(await ca.issue(WEB));
    const mesh = new MeshTls(caller);
    const first = mesh.toInstance('shop', 'api').secureContext?.();
    caller.set(await ca.issue(WEB));
    expect(mesh.toInstance('shop', 'api').secureContext?.()).not.toBe(first);
    expect(await dial(mesh, 'shop', 'api')).toBe('ok');
  });

  it('makes an endpoint’s TLS its own (a node proxy’s workload outbound): the same peer check, its certificate, its own pool key', async () => {
    const node = new FakeIdentity(NODE);
    node.set(await ca.issue(NODE));
    const web = new FakeIdentity();
    web.set(await ca.issue(WEB));
    const asNode = new MeshTls(node).toInstance('shop', 'api');
    const asWeb = new MeshTls(web).instead(asNode)!;
    expect(asWeb.peer).toBe(API);
    // Pools are keyed by the id: a node's connection is never reused for its workload's call.
    expect(asWeb.id).not.toBe(asNode.id);
    const seen = clients.length;
    expect(await dialWith(asWeb)).toBe('ok');
    for (let i = 0; i < 2_000 && clients.length === seen; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(clients.at(-1)).toBe(`URI:${WEB}`);
    const reviews = new MeshTls(web).instead(new MeshTls(node).toInstance('shop', 'reviews'))!;
    expect(await dialWith(reviews)).toBe('ERR_WEFT_PEER_IDENTITY');
    // TLS that is not the mesh's (an ExternalService's) stays as it is.
    const external: UpstreamTls = { id: 'external', servername: 'example.com', options: {} };
    expect(new MeshTls(web).instead(external)).toBe(external);
    expect(new MeshTls(web).instead(undefined)).toBeUndefined();
  });
});
