// Control-plane high availability: three replicas elect one leader; writes through followers; the
// leader SIGKILLed under traffic and continuous applies, then SIGTERMed: nothing lost, nothing twice.
import { http, json } from '../support/admin-client.js';
import {
  CALLER_AND_VERSIONS,
  routeAllTo,
  startCallerAndVersions,
} from '../support/caller-and-versions.js';
import type { EchoServer } from '../support/echo-server.js';
import { Mesh, type ControlPlane, type Sidecar } from '../support/mesh.js';
import { sleep, waitFor } from '../support/wait-for.js';

/** A failover or handover that has not happened within this long has hung. */
const HANG_MS = 30_000;
const extraService = (i: number): string => `apiVersion: v1
kind: Service
metadata: { name: extra-${i} }
spec: { selector: { app: extra-${i} } }
`;

interface LeaderView {
  role: 'leader' | 'follower';
  self: string;
  leader: { holder: string; adminUrl: string; term: number } | null;
}

interface History {
  items: { revision: number; author: string; changes: { resource: string; action: string }[] }[];
}

const YAML_BODY = { 'content-type': 'application/yaml' };

/** Requests through a's sidecar to b, back to back on a few connections, until stopped. */
class Load {
  ok = 0;
  readonly failures: string[] = [];
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(url: string, concurrency = 4) {
    this.loops = Array.from({ length: concurrency }, () => this.loop(url));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Resolves once `count` more requests have been answered 200. */
  served(count: number, what: string): Promise<true> {
    const from = this.ok;
    return waitFor(what, () => (this.ok >= from + count ? true : undefined), HANG_MS);
  }

  private async loop(url: string): Promise<void> {
    while (this.running) {
      try {
        const res = await http(`${url}/`, { headers: { host: 'b' } });
        if (res.status === 200) this.ok++;
        else this.failures.push(`${res.status} ${res.body.slice(0, 120)}`);
      } catch (err) {
        this.failures.push((err as Error).message);
      }
    }
  }
}

interface ApplyOutcome {
  /** The Service this apply adds: each apply's own, so the history shows whether it landed. */
  readonly service: string;
  readonly status: number;
  readonly revision?: number;
  readonly retryAfter?: string;
}

/** One apply after another through `via`, each adding its own Service, until stopped. */
class ApplyLoop {
  readonly outcomes: ApplyOutcome[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(via: ControlPlane, first: number) {
    this.done = this.loop(via, first);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  /** Resolves once `count` more applies have been accepted (200). */
  accepted(count: number, what: string): Promise<true> {
    const ok = (): number => this.outcomes.filter((o) => o.status === 200).length;
    const from = ok();
    return waitFor(what, () => (ok() >= from + count ? true : undefined), HANG_MS);
  }

  private async loop(via: ControlPlane, first: number): Promise<void> {
    for (let i = first; this.running; i++) {
      const res = await http(`${via.url}/v1/apply`, {
        method: 'POST',
        headers: YAML_BODY,
        body: extraService(i),
      });
      const revision =
        res.status === 200 ? (JSON.parse(res.body) as { revision: number }).revision : undefined;
      const retryAfter = res.headers['retry-after'] as string | undefined;
      this.outcomes.push({ service: `extra-${i}`, status: res.status, revision, retryAfter });
      await sleep(50);
    }
  }
}

describe('control plane high availability', () => {
  let mesh: Mesh;
  const apps: EchoServer[] = [];
  let a: Sidecar;
  let load: Load;

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlanes(3);
    a = await startCallerAndVersions(mesh, apps);
  });

  afterAll(async () => {
    await load?.stop();
    await Promise.all(apps.map((s) => s.stop()));
    await mesh.stop();
  });

  const leaderView = (cp: ControlPlane): Promise<LeaderView> =>
    json<LeaderView>(`${cp.url}/v1/leader`);
  const followers = (leader: ControlPlane): ControlPlane[] =>
    mesh.controlPlanes.filter((c) => c !== leader && c.proc.running);
  const history = async (cp: ControlPlane): Promise<History['items']> =>
    (await json<History>(`${cp.url}/v1/history`)).items;

  /** Kills (or stops) the leader and measures until a survivor says it leads. */
  const failover = async (leader: ControlPlane, signal: 'SIGKILL' | 'SIGTERM'): Promise<number> => {
    const survivors = followers(leader);
    const start = Date.now();
    leader.proc.signal(signal);
    await waitFor(
      `a new leader after ${signal}`,
      async () => {
        const views = await Promise.all(survivors.map(leaderView));
        return views.some((v) => v.role === 'leader') ? true : undefined;
      },
      HANG_MS,
      20,
    );
    const elapsed = Date.now() - start;
    await leader.proc.exited;
    return elapsed;
  };

  it('elects exactly one leader that every replica names; followers are ready and say so', async () => {
    const leader = await mesh.leader();
    const views = await Promise.all(mesh.controlPlanes.map(leaderView));
    expect(views.filter((v) => v.role === 'leader')).toHaveLength(1);
    expect(new Set(views.map((v) => v.leader?.holder)).size).toBe(1);
    expect(views.find((v) => v.role === 'leader')?.leader?.adminUrl).toBe(leader.url);
    for (const cp of mesh.controlPlanes) {
      expect((await http(`${cp.url}/readyz`)).status).toBe(200);
      const metrics = (await http(`${cp.url}/metrics`)).body;
      expect(metrics).toMatch(
        new RegExp(`^weft_control_plane_leader ${cp === leader ? 1 : 0}$`, 'm'),
      );
    }
  });

  it('takes applies through a follower, and every replica serves the result', async () => {
    const leader = await mesh.leader();
    const [follower] = followers(leader);
    // The follower passes alice's token on; the leader authenticates it and records alice.
    const alice = await http(`${follower.url}/v1/admin-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'alice', role: 'admin' }),
    });
    expect(alice.status).toBe(201);
    const res = await http(`${follower.url}/v1/apply`, {
      method: 'POST',
      headers: {
        ...YAML_BODY,
        authorization: `Bearer ${(JSON.parse(alice.body) as { token: string }).token}`,
      },
      body: routeAllTo('v1'),
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-weft-leader']).toBe((await leaderView(leader)).self);
    const { revision } = JSON.parse(res.body) as { revision: number };
    mesh.cp = follower;
    await mesh.converged(revision, CALLER_AND_VERSIONS);
    for (const cp of mesh.controlPlanes) {
      await waitFor(`${cp.url} at revision ${revision}`, async () => {
        const list = await json<{ revision: number; items: unknown[] }>(`${cp.url}/v1/resources`);
        return list.revision === revision && list.items.length === 3 ? true : undefined;
      });
      expect((await history(cp))[0]).toMatchObject({ revision, author: 'alice' });
      await waitFor(`${cp.url} endpoints of b-v1`, async () => {
        const { items } = await json<{
          items: { service: string; endpoints: { instanceId: string }[] }[];
        }>(`${cp.url}/v1/endpoints`);
        const set = items.find((s) => s.service === 'b-v1');
        return set?.endpoints.map((e) => e.instanceId).join() === 'b1' ? true : undefined;
      });
    }
    const routed = await http(`${a.outbound}/`, { headers: { host: 'b' } });
    expect(routed.headers['x-echo-name']).toBe('b1');
  });

  it('survives a SIGKILL of the leader under traffic and applies: a new leader takes over, no revision lost or doubled', async () => {
    const leader = await mesh.leader();
    const [via] = followers(leader);
    mesh.cp = via;
    load = new Load(a.outbound);
    const applies = new ApplyLoop(via, 1);
    await Promise.all([
      load.served(20, 'requests before the kill'),
      applies.accepted(3, 'applies before the kill'),
    ]);
    const servedAtKill = load.ok;
    const elapsed = await failover(leader, 'SIGKILL');
    process.stdout.write(
      `[control-plane-ha] SIGKILL of the leader → new leader in ${elapsed} ms\n`,
    );
    await applies.accepted(3, 'applies after the failover');
    await applies.stop();

    const newLeader = await mesh.leader();
    expect(newLeader).not.toBe(leader);

    const accepted = applies.outcomes.filter((o) => o.status === 200);
    const refused = applies.outcomes.filter((o) => o.status !== 200);
    // Applies during the failover answer 503 with a hint when to retry, never anything else.
    for (const o of refused) expect([o.status, o.retryAfter !== undefined]).toEqual([503, true]);

    const final = JSON.parse(
      (
        await http(`${via.url}/v1/apply`, {
          method: 'POST',
          headers: YAML_BODY,
          body: routeAllTo('v2'),
        })
      ).body,
    ) as { revision: number };
    await mesh.converged(final.revision, CALLER_AND_VERSIONS, 15_000);
    const routed = await http(`${a.outbound}/`, { headers: { host: 'b' } });
    expect(routed.headers['x-echo-name']).toBe('b2');

    const items = await history(newLeader);
    const revisions = items.map((h) => h.revision);
    // Every revision from 1 to the last exactly once, newest first.
    expect(revisions).toEqual(Array.from({ length: final.revision }, (_, i) => final.revision - i));
    // Every apply creates its own Service: accepted, in exactly the revision it answered; any
    // apply (a refused one too) in at most one.
    const creations = (service: string): number[] =>
      items
        .filter((h) =>
          h.changes.some(
            (c) => c.resource === `Service/default/${service}` && c.action === 'created',
          ),
        )
        .map((h) => h.revision);
    for (const o of accepted) expect(creations(o.service)).toEqual([o.revision]);
    for (const o of refused) expect(creations(o.service).length).toBeLessThanOrEqual(1);
    const names = (
      await json<{ items: { metadata: { name: string } }[] }>(`${via.url}/v1/resources`)
    ).items.map((r) => r.metadata.name);
    for (const o of accepted) expect(names).toContain(o.service);
    process.stdout.write(
      `[control-plane-ha] applies: ${accepted.length} accepted, ${refused.length} refused (503) during failover\n`,
    );
    expect(load.failures).toEqual([]);
    expect(load.ok).toBeGreaterThan(servedAtKill);
  });

  it('hands over to the survivor when the leader is stopped with SIGTERM, traffic never failing', async () => {
    const leader = await mesh.leader();
    const [survivor] = followers(leader);
    const servedAtStop = load.ok;
    const elapsed = await failover(leader, 'SIGTERM');
    process.stdout.write(
      `[control-plane-ha] SIGTERM of the leader → new leader in ${elapsed} ms\n`,
    );
    expect(await mesh.leader()).toBe(survivor);

    mesh.cp = survivor;
    const revision = await mesh.applyOk(routeAllTo('v1'));
    await mesh.converged(revision, CALLER_AND_VERSIONS);
    const items = await history(survivor);
    expect(items.map((h) => h.revision)).toEqual(
      Array.from({ length: revision }, (_, i) => revision - i),
    );
    await load.served(20, 'requests after the handover');
    await load.stop();
    process.stdout.write(`[control-plane-ha] traffic: ${load.ok} requests, 0 failed\n`);
    expect(load.failures).toEqual([]);
    expect(load.ok).toBeGreaterThan(servedAtStop);
  });
});
