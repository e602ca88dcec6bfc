// A sidecar whose local app stops answering leaves its Service's endpoints, and returns with the app.
import { http } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { waitFor } from '../support/wait-for.js';

describe('sidecar: local app probe', () => {
  let mesh: Mesh;
  const apps = new Map<string, EchoServer>();
  let a: Sidecar;

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    for (const name of ['a', 'b1', 'b2']) apps.set(name, await new EchoServer(name).start());
    [a] = await Promise.all([
      mesh.startSidecar({ service: 'a', instanceId: 'a1', appPort: apps.get('a')!.port }),
      mesh.startSidecar({ service: 'b', instanceId: 'b1', appPort: apps.get('b1')!.port }),
      mesh.startSidecar({ service: 'b', instanceId: 'b2', appPort: apps.get('b2')!.port }),
    ]);
    await waitFor('both b endpoints', async () =>
      (await mesh.endpointIds('b')).length === 2 ? true : undefined,
    );
  });

  afterAll(async () => {
    await Promise.all([...apps.values()].map((s) => s.stop()));
    await mesh.stop();
  });

  it('takes an instance out when its app dies, and back when the app returns', async () => {
    const port = apps.get('b2')!.port;
    await apps.get('b2')!.stop();
    // One probe interval, then the heartbeat says "not ready" and the control plane drops it.
    await waitFor('b2 to leave', async () =>
      (await mesh.endpointIds('b')).join() === 'b1' ? true : undefined,
    );
    for (let i = 0; i < 10; i++) {
      const res = await http(`${a.outbound}/`, { headers: { host: 'b' } });
      expect(res.status).toBe(200);
      expect(res.headers['x-echo-name']).toBe('b1');
    }
    apps.set('b2', await new EchoServer('b2').start(port));
    await waitFor('b2 to return', async () =>
      (await mesh.endpointIds('b')).join() === 'b1,b2' ? true : undefined,
    );
  });
});
