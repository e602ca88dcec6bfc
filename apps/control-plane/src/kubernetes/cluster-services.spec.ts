// Following a cluster's Services against recorded API-server responses: the first list, watch events, 410 Gone and the re-list, a failed list retried.
import {
  RecordedApiServer,
  recordedEvents,
  recording,
} from '../../../../test/k8s/recorded-api-server.js';
import { ClusterServices } from './cluster-services.js';
import type { WeftService } from './service-projection.js';

/** The hand-overs of a ClusterServices, awaited one by one. */
class HandOvers {
  private readonly sets: (readonly WeftService[])[] = [];
  private readonly waiters: ((s: readonly WeftService[]) => void)[] = [];
  readonly errors: string[] = [];

  readonly push = (services: readonly WeftService[]): void => {
    const waiter = this.waiters.shift();
    if (waiter) waiter(services);
    else this.sets.push(services);
  };

  next(): Promise<readonly WeftService[]> {
    const ready = this.sets.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

const names = (services: readonly WeftService[]) =>
  services.map((s) => `${s.metadata.namespace}/${s.metadata.name}`);

describe('ClusterServices', () => {
  let api: RecordedApiServer;
  let services: ClusterServices | undefined;
  let handOvers: HandOvers;

  beforeEach(async () => {
    api = await RecordedApiServer.start();
    handOvers = new HandOvers();
  });

  afterEach(async () => {
    await services?.stop();
    await api.close();
  });

  function follow(): ClusterServices {
    services = new ClusterServices(api.kubeConfig(), {
      debounceMs: 10,
      retryMs: 50,
      maxServices: 100,
      onServices: handOvers.push,
      onError: (err) => handOvers.errors.push(err.message),
    });
    return services;
  }

  it('lists, follows watch events, and lists again from scratch after 410 Gone', async () => {
    api.answerList(recording('services-list-1000.json'));
    await follow().start();

    // The first list: meshable Services only (no selector-less, ExternalName or kube-system ones),
    // with the fields Weft reads and only Weft's annotations.
    const first = await handOvers.next();
    expect(first).toEqual([
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: 'api',
          namespace: 'shop',
          labels: { team: 'payments' },
          annotations: { 'weft.dev/transport': 'bus' },
        },
        spec: {
          selector: { app: 'api' },
          ports: [
            { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
            { name: 'grpc', port: 9090, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'grpc' },
          ],
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: 'shop' },
        spec: {
          selector: { app: 'web' },
          ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
        },
      },
    ]);

    // The watch resumes from the list's resourceVersion; its events arrive as recorded.
    const watch = await api.nextWatch();
    expect(watch.resourceVersion).toBe('1000');
    const [modified, added, deleted, bookmark, gone] = recordedEvents('services-watch-1000.jsonl');
    // One write: the events reach the client as one burst, settled into one hand-over.
    watch.send([modified, added, deleted, bookmark].join('\n'));
    const afterEvents = await handOvers.next();
    expect(names(afterEvents)).toEqual(['shop/api', 'shop/checkout']);
    expect(afterEvents[0].spec.selector).toEqual({ app: 'api', version: 'v2' });

    // 410 Gone: the resourceVersion is too old to resume from; the client lists again and
    // watches from the new list's version, and what changed in between is picked up.
    api.answerList(recording('services-list-2000.json'));
    watch.send(gone);
    watch.end();
    const relisted = await handOvers.next();
    expect(names(relisted)).toEqual(['billing/ledger', 'shop/api', 'shop/checkout']);
    expect((await api.nextWatch()).resourceVersion).toBe('2000');
    expect(api.requests).toEqual(['list', 'watch 1000', 'list', 'watch 2000']);
    expect(handOvers.errors).toEqual([]);
  });

  it('reports a failed list and lists again until the API server answers', async () => {
    api.answerList(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'etcdserver: request timed out',
        reason: 'InternalError',
        code: 500,
      }),
      500,
    );
    await follow().start();
    api.answerList(recording('services-list-2000.json'));
    expect(names(await handOvers.next())).toEqual(['billing/ledger', 'shop/api', 'shop/checkout']);
    expect(handOvers.errors).toHaveLength(1);
    expect(api.requests.slice(0, 3)).toEqual(['list', 'list', 'watch 2000']);
  });

  it('hands over an empty set for a cluster without meshable Services (so a prune removes them)', async () => {
    api.answerList(
      JSON.stringify({
        kind: 'ServiceList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '5' },
        items: [],
      }),
    );
    await follow().start();
    expect(await handOvers.next()).toEqual([]);
  });
});
