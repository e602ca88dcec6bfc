// A snapshot marker announcement lost with the control plane's NATS connection, against a real
// nats-server and real processes: the control plane reaches NATS through a TCP link that drops the
// connection carrying the marker (as a connection that dies mid-apply does), while the sidecars stay
// connected; once back, the leader announces the marker again and every proxy ACKs the revision.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { http } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { freePort } from '../support/free-port.js';
import { serviceRoute } from '../support/manifests.js';
import { Mesh } from '../support/mesh.js';
import { waitFor } from '../support/wait-for.js';

/** The marker announcement's subject, as it goes on the wire in a PUB line. */
const MARKER_PUB = ' weft.v1.config.snapshot ';

/** A TCP link to nats-server that can lose the next marker announcement with its connection. */
class LossyLink {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  /** Armed: the connection that publishes the next marker is cut before it reaches the server. */
  dropNextMarker = false;
  dropped = 0;

  constructor(
    readonly port: number,
    natsPort: number,
  ) {
    this.server = createServer((client) => {
      const upstream = connect(natsPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.once('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      let tail = '';
      client.on('data', (chunk: Buffer) => {
        const text = tail + chunk.toString('latin1');
        tail = text.slice(-MARKER_PUB.length);
        if (this.dropNextMarker && text.includes(MARKER_PUB)) {
          this.dropNextMarker = false;
          this.dropped++;
          client.destroy();
          upstream.destroy();
          return;
        }
        upstream.write(chunk);
      });
      upstream.pipe(client);
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('lost announcements', () => {
  let mesh: Mesh;
  let link: LossyLink;
  const apps: EchoServer[] = [];

  beforeAll(async () => {
    mesh = await Mesh.start();
    link = new LossyLink(await freePort(), mesh.nats.port);
    await link.listen();
    await mesh.startControlPlane({ NATS_URL: `nats://127.0.0.1:${link.port}` });
    for (const name of ['a1', 'b1']) apps.push(await new EchoServer(name).start());
    const [a] = await Promise.all([
      mesh.startSidecar({ service: 'a', instanceId: 'a1', appPort: apps[0].port }),
      mesh.startSidecar({ service: 'b', instanceId: 'b1', appPort: apps[1].port }),
    ]);
    await waitFor('a routes to b', async () =>
      (await http(`${a.outbound}/warm`, { headers: { host: 'b' } })).status === 200
        ? true
        : undefined,
    );
  });

  afterAll(async () => {
    await Promise.all(apps.map((s) => s.stop()));
    await mesh.stop();
    await link.close();
  });

  it('a marker lost with the leader’s NATS connection is announced again once it is back: every proxy ACKs the revision', async () => {
    const first = await mesh.applyOk(serviceRoute('b-route', 'b'));
    await mesh.converged(first, ['a1', 'b1']);
    link.dropNextMarker = true;
    const lost = await mesh.applyOk(serviceRoute('b-route-2', 'b'));
    await waitFor('the marker lost with its connection', () =>
      link.dropped === 1 ? true : undefined,
    );
    // The proxies stayed connected all along: only the leader's announcement again reaches them.
    await mesh.converged(lost, ['a1', 'b1'], 30_000);
  });
});
