// Large configurations (issue 11 item 5): 10,000 resources applied in one batch to a replica set
// with the default 3 s lease. The leader keeps its lease throughout (same holder, same term: it was
// never lost nor taken again), and the history keeps the whole revision, which is far beyond one
// NATS message (max_payload 1 MB); every replica serves the result, and a proxy applies and ACKs
// the revision although its marker is too big to be announced with its value.
import type { ApplyResult, HistoryEntry, HistorySummary, LeaderInfo } from '@app/protocol';
import { http, json } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { Mesh } from '../support/mesh.js';
import { waitFor } from '../support/wait-for.js';

const RESOURCES = 10_000;
/** Bounds against a hang only (the apply itself takes seconds on a loaded 2-core machine). */
const SETTLED_WITHIN_MS = 120_000;
/** The apply, then two such waits. */
const TEST_WITHIN_MS = 300_000;

function servicesYaml(count: number): string {
  return Array.from(
    { length: count },
    (_, i) =>
      `apiVersion: v1\nkind: Service\nmetadata: { name: svc-${i}, namespace: big }\nspec: { selector: { app: svc-${i} } }`,
  ).join('\n---\n');
}

describe('large configurations', () => {
  let mesh: Mesh;
  let app: EchoServer;

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlanes(2);
    app = await new EchoServer('web').start();
    await mesh.startSidecar({ service: 'web', instanceId: 'web-1', appPort: app.port });
  });

  afterAll(async () => {
    await app?.stop();
    await mesh?.stop();
  });

  it(
    `applies ${RESOURCES} resources in one batch: the lease kept, the history whole, every replica serving it`,
    async () => {
      const leader = await mesh.leader();
      const follower = mesh.controlPlanes.find((c) => c !== leader)!;
      const before = await json<LeaderInfo>(`${leader.url}/v1/leader`);

      const res = await http(`${leader.url}/v1/apply`, {
        method: 'POST',
        headers: { 'content-type': 'application/yaml' },
        body: servicesYaml(RESOURCES),
      });
      expect(res.status).toBe(200);
      const applied = JSON.parse(res.body) as ApplyResult;
      expect(applied.results).toHaveLength(RESOURCES);
      expect(applied.results.every((r) => r.action === 'created')).toBe(true);

      // Never lost: the same replica leads in the same term, as both replicas see it.
      for (const cp of [leader, follower]) {
        const now = await json<LeaderInfo>(`${cp.url}/v1/leader`);
        expect([now.leader?.holder, now.leader?.term]).toEqual([
          before.leader?.holder,
          before.leader?.term,
        ]);
      }
      const roleChanges = ['"no longer the control plane leader"', '"resigned leadership"'];
      expect(leader.proc.logs().filter((l) => roleChanges.some((m) => l.includes(m)))).toEqual([]);

      // The history lists the revision with its counts, and holds it in full.
      const history = await json<{ revision: number; items: HistorySummary[] }>(
        `${follower.url}/v1/history`,
      );
      expect(history.items[0]).toMatchObject({
        revision: applied.revision,
        counts: { created: RESOURCES, configured: 0, deleted: 0 },
      });
      const entry = await json<HistoryEntry>(`${follower.url}/v1/history/${applied.revision}`);
      expect(entry.changes).toHaveLength(RESOURCES);
      expect(Object.keys(entry.resources)).toHaveLength(RESOURCES);

      // The follower reaches the revision and serves every resource.
      const served = await waitFor(
        'the follower to serve the revision',
        async () => {
          const list = await json<{ revision: number; items: unknown[] }>(
            `${follower.url}/v1/resources`,
          );
          return list.revision >= applied.revision ? list : undefined;
        },
        SETTLED_WITHIN_MS,
      );
      expect(served.items).toHaveLength(RESOURCES);

      // The revision wrote 10,000 bundles: its marker, too big to announce, is read and applied.
      await mesh.converged(applied.revision, ['web-1'], SETTLED_WITHIN_MS);
    },
    TEST_WITHIN_MS,
  );
});
