// A control plane following a cluster's Services: a real process with a kubeconfig, against recorded API-server responses; the admin API shows what it applied.
import { json } from '../support/admin-client.js';
import { Mesh } from '../support/mesh.js';
import { startFollowingControlPlane } from '../support/kubernetes-control-plane.js';
import { waitFor } from '../support/wait-for.js';
import { RecordedApiServer, recordedEvents, recording } from '../k8s/recorded-api-server.js';

interface Resources {
  items: {
    kind: string;
    metadata: { name: string; namespace: string };
    spec: { selector?: unknown };
  }[];
}
interface History {
  items: { source: string }[];
}

describe('control plane following Kubernetes Services (WEFT_KUBERNETES)', () => {
  let mesh: Mesh;
  let api: RecordedApiServer;
  let url: string;

  async function services(): Promise<string[]> {
    const { items } = await json<Resources>(`${url}/v1/resources?kind=Service`);
    return items.map((s) => `${s.metadata.namespace}/${s.metadata.name}`).sort();
  }

  beforeAll(async () => {
    api = await RecordedApiServer.start();
    mesh = await Mesh.start();
    api.answerList(recording('services-list-1000.json'));
    api.answerEmptyExcept('Service');
    url = (await startFollowingControlPlane(mesh, api)).url;
  });

  afterAll(async () => {
    await mesh?.stop();
    await api?.close();
  });

  it("applies the cluster's meshable Services, follows the watch and re-lists after 410 Gone", async () => {
    await waitFor('the listed Services applied', async () => {
      const names = await services();
      return names.length === 2 ? names : undefined;
    });
    expect(await services()).toEqual(['shop/api', 'shop/web']);
    const history = await json<History>(`${url}/v1/history`);
    expect(history.items[0].source).toBe('kubernetes');

    const watch = await api.nextWatch();
    expect(watch.resourceVersion).toBe('1000');
    const [modified, added, deleted, bookmark, gone] = recordedEvents('services-watch-1000.jsonl');
    watch.send([modified, added, deleted, bookmark].join('\n'));
    await waitFor('the watch events applied', async () => {
      const names = await services();
      return names.join() === 'shop/api,shop/checkout' ? names : undefined;
    });

    api.answerList(recording('services-list-2000.json'));
    watch.send(gone);
    watch.end();
    await waitFor('the re-list applied', async () => {
      const names = await services();
      return names.join() === 'billing/ledger,shop/api,shop/checkout' ? names : undefined;
    });
    expect((await api.nextWatch()).resourceVersion).toBe('2000');
    expect(api.requestsTo()).toEqual(['list', 'watch 1000', 'list', 'watch 2000']);
  });
});
