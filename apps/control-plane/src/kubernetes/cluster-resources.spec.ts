// Following a cluster's objects against recorded API-server responses: the first list, watch events, 410 Gone and the re-list, a failed list retried, an absent CRD, several kinds handed over together.
import type { KubernetesObject, V1Service } from '@kubernetes/client-node';
import {
  emptyList,
  NOT_FOUND,
  RecordedApiServer,
  recordedEvents,
  recording,
  SERVICES,
} from '../../../../test/k8s/recorded-api-server.js';
import { ClusterResources, type ClusterSnapshot } from './cluster-resources.js';
import { weftServiceOf, type WeftService } from './service-projection.js';
import { collectionPath, WATCHED_KINDS, type WatchedKind } from './watched-kinds.js';

/** The hand-overs of a ClusterResources, awaited one by one. */
class HandOvers {
  private readonly sets: ClusterSnapshot[] = [];
  private readonly waiters: ((s: ClusterSnapshot) => void)[] = [];
  readonly errors: string[] = [];

  readonly push = (snapshot: ClusterSnapshot): void => {
    const waiter = this.waiters.shift();
    if (waiter) waiter(snapshot);
    else this.sets.push(snapshot);
  };

  next(): Promise<ClusterSnapshot> {
    const ready = this.sets.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The next snapshot's Services as Weft applies them. */
  async services(): Promise<WeftService[]> {
    const objects = (await this.next()).get('Service') ?? [];
    return objects
      .map((s) => weftServiceOf(s as V1Service))
      .filter((s): s is WeftService => s !== undefined)
      .sort((a, b) => names([a])[0].localeCompare(names([b])[0]));
  }
}

const kindNamed = (name: string): WatchedKind => WATCHED_KINDS.find((k) => k.kind === name)!;

const names = (objects: readonly (WeftService | KubernetesObject)[]) =>
  objects.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`);

describe('ClusterResources', () => {
  let api: RecordedApiServer;
  let services: ClusterResources | undefined;
  let handOvers: HandOvers;

  beforeEach(async () => {
    api = await RecordedApiServer.start();
    handOvers = new HandOvers();
  });

  afterEach(async () => {
    await services?.stop();
    await api.close();
  });

  function follow(kinds = [kindNamed('Service')]): ClusterResources {
    services = new ClusterResources(api.kubeConfig(), {
      kinds,
      debounceMs: 10,
      retryMs: 50,
      maxObjects: 100,
      onSnapshot: handOvers.push,
      onError: (err) => handOvers.errors.push(err.message),
    });
    return services;
  }

  it('lists, follows watch events, and lists again from scratch after 410 Gone', async () => {
    api.answerList(recording('services-list-1000.json'));
    await follow().start();

    // The first list: meshable Services only (no selector-less, ExternalName or kube-system ones),
    // with the fields Weft reads and only Weft's annotations.
    const first = await handOvers.services();
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
    const afterEvents = await handOvers.services();
    expect(names(afterEvents)).toEqual(['shop/api', 'shop/checkout']);
    expect(afterEvents[0].spec.selector).toEqual({ app: 'api', version: 'v2' });

    // 410 Gone: the resourceVersion is too old to resume from; the client lists again and
    // watches from the new list's version, and what changed in between is picked up.
    api.answerList(recording('services-list-2000.json'));
    watch.send(gone);
    watch.end();
    const relisted = await handOvers.services();
    expect(names(relisted)).toEqual(['billing/ledger', 'shop/api', 'shop/checkout']);
    expect((await api.nextWatch()).resourceVersion).toBe('2000');
    expect(api.requestsTo(SERVICES)).toEqual(['list', 'watch 1000', 'list', 'watch 2000']);
    expect(handOvers.errors).toEqual([]);
  });

  it('watches again from its resourceVersion when a watch connection is cut, reporting no failure', async () => {
    api.answerList(recording('services-list-1000.json'));
    await follow().start();
    await handOvers.services();
    const watch = await api.nextWatch();
    const [modified] = recordedEvents('services-watch-1000.jsonl');
    watch.send(modified);
    expect((await handOvers.services())[0].spec.selector).toEqual({ app: 'api', version: 'v2' });

    watch.cut();
    const resumed = await api.nextWatch();
    expect(resumed.resourceVersion).toBe(
      (JSON.parse(modified) as { object: KubernetesObject }).object.metadata?.resourceVersion,
    );
    expect(api.requestsTo(SERVICES)).toEqual([
      'list',
      'watch 1000',
      `watch ${resumed.resourceVersion}`,
    ]);
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
    expect(names(await handOvers.services())).toEqual([
      'billing/ledger',
      'shop/api',
      'shop/checkout',
    ]);
    expect(handOvers.errors).toHaveLength(1);
    expect(api.requestsTo(SERVICES).slice(0, 3)).toEqual(['list', 'list', 'watch 2000']);
  });

  it('hands over an empty set for a cluster without meshable Services (so a prune removes them)', async () => {
    api.answerList(emptyList('Service', '5'));
    await follow().start();
    expect(await handOvers.services()).toEqual([]);
  });

  it('hands over every kind together, once each is listed; a kind without its CRD has no objects', async () => {
    const routes = kindNamed('HTTPRoute');
    const gateways = kindNamed('Gateway');
    api.answerList(recording('services-list-2000.json'));
    // No Gateway CRD in this cluster: the API server answers 404 for the collection.
    api.answerAlways(collectionPath(gateways), NOT_FOUND, 404);
    const started = follow([kindNamed('Service'), routes, gateways]).start();
    // HTTPRoutes not listed yet: no snapshot, or it would prune the cluster's routes.
    await waitUntil(() => api.requestsTo(collectionPath(routes)).length > 0);
    api.answerList(recording('httproutes-list-3000.json'), 200, collectionPath(routes));
    await started;
    const snapshot = await handOvers.next();
    expect(names(snapshot.get('HTTPRoute')!).sort()).toEqual([
      'shop/api-split',
      'shop/bad-regex',
      'shop/legacy',
    ]);
    expect(snapshot.get('Gateway')).toEqual([]);
    expect(names(snapshot.get('Service')!)).toHaveLength(5);
    expect(handOvers.errors).toEqual([]);

    // A watch event of one kind hands over all of them again.
    const watch = await api.nextWatch(collectionPath(routes));
    expect(watch.resourceVersion).toBe('3000');
    const [fixed, deleted] = recordedEvents('httproutes-watch-3000.jsonl');
    watch.send([fixed, deleted].join('\n'));
    const next = await handOvers.next();
    expect(names(next.get('HTTPRoute')!).sort()).toEqual(['shop/api-split', 'shop/bad-regex']);
    expect(names(next.get('Service')!)).toHaveLength(5);
    // The absent kind is listed again later, in case its CRD is installed.
    expect(api.requestsTo(collectionPath(gateways)).length).toBeGreaterThanOrEqual(1);
  });

  it('refuses a cluster with more objects than the bound, naming the count', async () => {
    api.answerList(recording('services-list-2000.json'));
    services = new ClusterResources(api.kubeConfig(), {
      kinds: [kindNamed('Service')],
      debounceMs: 10,
      retryMs: 50,
      maxObjects: 2,
      onSnapshot: handOvers.push,
      onError: (err) => handOvers.errors.push(err.message),
    });
    await services.start();
    await waitUntil(() => handOvers.errors.length > 0);
    expect(handOvers.errors[0]).toMatch(
      /has \d+ objects of the kinds Weft follows, more than 2: none applied/,
    );
  });
});

async function waitUntil(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 10));
}
