// Hosts an attacker makes up, against a real sidecar and nats-server: 10,000 distinct unknown Host
// values leave its subscriptions (as nats-server's /connz counts them) and its followed destinations
// at the bound, while a known destination keeps being served; a destination not called for the TTL
// is dropped (subscription and all) and read again on the next call.
import { readFile } from 'node:fs/promises';
import { http } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { freePort } from '../support/free-port.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { metric } from '../support/metrics.js';
import { waitFor } from '../support/wait-for.js';

/** The bound the flooded sidecar runs with. */
const MAX_DESTINATIONS = 50;
const FLOOD = 10_000;
/** Requests in flight at once during the flood. */
const CONCURRENCY = 64;
/** The TTL of the sidecar that shows expiry. */
const TTL_MS = 1_500;

interface Connz {
  connections: { name?: string; subscriptions_list?: string[] }[];
}

describe('unknown hosts', () => {
  let mesh: Mesh;
  let monitorPort: number;
  const apps: EchoServer[] = [];
  /** Floods with made-up hosts, bounded to MAX_DESTINATIONS. */
  let flooded: Sidecar;
  /** Calls b, then stops calling it for longer than TTL_MS. */
  let expiring: Sidecar;

  beforeAll(async () => {
    monitorPort = await freePort();
    mesh = await Mesh.start(undefined, { args: ['-m', String(monitorPort)] });
    await mesh.startControlPlane();
    for (const name of ['b1', 'f', 'e']) apps.push(await new EchoServer(name).start());
    [flooded, expiring] = await Promise.all([
      mesh.startSidecar({
        service: 'f',
        instanceId: 'f1',
        appPort: apps[1].port,
        env: { WEFT_MAX_DESTINATIONS: String(MAX_DESTINATIONS) },
      }),
      mesh.startSidecar({
        service: 'e',
        instanceId: 'e1',
        appPort: apps[2].port,
        env: { WEFT_DESTINATION_TTL_MS: String(TTL_MS) },
      }),
      mesh.startSidecar({ service: 'b', instanceId: 'b1', appPort: apps[0].port }),
    ]);
    await waitFor('b in the endpoints', async () =>
      (await mesh.endpointIds('b')).join() === 'b1' ? true : undefined,
    );
  });

  afterAll(async () => {
    await Promise.all(apps.map((s) => s.stop()));
    await mesh.stop();
  });

  /** The config announcement subjects the sidecar's NATS connection holds, as nats-server lists them. */
  async function configSubscriptions(sidecar: Sidecar): Promise<string[]> {
    const res = await http(`http://127.0.0.1:${monitorPort}/connz?subs=1&limit=4096`);
    const conn = (JSON.parse(res.body) as Connz).connections.find(
      (c) => c.name === `weft-sidecar-${sidecar.instanceId}`,
    );
    if (!conn) throw new Error(`no NATS connection of ${sidecar.instanceId} in /connz`);
    return (conn.subscriptions_list ?? []).filter((s) => s.startsWith('weft.v1.config.'));
  }

  /** Resident memory (MiB) of a sidecar's process, as Linux counts it. */
  const rssMb = async (sidecar: Sidecar): Promise<number> => {
    const status = await readFile(`/proc/${sidecar.proc.pid}/status`, 'latin1');
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) / 1024;
  };

  const call = (sidecar: Sidecar, host: string) =>
    http(`${sidecar.outbound}/x`, { headers: { host } });

  it('twice 10,000 distinct made-up hosts: subscriptions and followed destinations stay at the bound, b is served throughout', async () => {
    expect((await call(flooded, 'b')).status).toBe(200);
    const rss = [await rssMb(flooded)];
    const statuses = new Map<number, number>();
    let next = 0;
    let knownServed = 0;
    /** Distinct hosts: the second flood's are new too. */
    const worker = (round: number) => async (): Promise<void> => {
      while (next < FLOOD * round) {
        const i = next++;
        // Half single labels (a Service name and an alias each), half DNS names (an alias).
        const host = i % 2 === 0 ? `made-up-${i}` : `made-up-${i}.example.com`;
        const { status } = await call(flooded, host);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (i % 500 === 0) {
          expect((await call(flooded, 'b')).status).toBe(200);
          knownServed++;
        }
      }
    };
    // Two floods: the RSS after each is reported (the second shows whether it keeps growing).
    for (const round of [1, 2]) {
      await Promise.all(Array.from({ length: CONCURRENCY }, worker(round)));
      rss.push(await rssMb(flooded));
    }
    expect([...statuses]).toEqual([[404, 2 * FLOOD]]);
    expect(knownServed).toBe((2 * FLOOD) / 500);

    const subs = await configSubscriptions(flooded);
    const aliases = subs.filter((s) => s.startsWith('weft.v1.config.alias.'));
    const destinations = subs.filter((s) => s.startsWith('weft.v1.config.dst.'));
    // One alias per called host, a dst per Service it names (b's own included): never past the bound.
    expect(aliases.length).toBeLessThanOrEqual(MAX_DESTINATIONS);
    expect(destinations.length).toBeLessThanOrEqual(MAX_DESTINATIONS + 1);
    expect(subs.length).toBeLessThanOrEqual(2 * MAX_DESTINATIONS + 10);
    // b reaches something: the made-up hosts went first.
    expect(destinations).toContain('weft.v1.config.dst.default.b');
    expect(
      await metric(flooded.adminPort, 'weft_proxy_destination_evictions_total', [
        'weft_reason="max"',
      ]),
    ).toBeGreaterThanOrEqual(2 * FLOOD + 1 - MAX_DESTINATIONS);
    expect(await metric(flooded.adminPort, 'weft_proxy_followed_destinations')).toBeLessThanOrEqual(
      MAX_DESTINATIONS + 1,
    );
    expect((await call(flooded, 'b')).status).toBe(200);
    // Reported, not asserted: memory follows the bounded counts above.
    const [before, first, second] = rss.map((mb) => `${mb.toFixed(0)} MiB`);
    console.log(
      `sidecar RSS: ${before} before, ${first} after ${FLOOD} made-up hosts, ${second} after ${FLOOD} more`,
    );
  }, 600_000);

  it('a destination not called for the TTL is dropped, subscription and all, and comes back on the next call', async () => {
    const bSubject = 'weft.v1.config.dst.default.b';
    expect((await call(expiring, 'b')).status).toBe(200);
    expect(await configSubscriptions(expiring)).toContain(bSubject);
    await waitFor(
      'b dropped after the TTL',
      async () => ((await configSubscriptions(expiring)).includes(bSubject) ? undefined : true),
      20_000,
    );
    expect(
      await metric(expiring.adminPort, 'weft_proxy_destination_evictions_total', [
        'weft_reason="ttl"',
      ]),
    ).toBeGreaterThanOrEqual(1);
    // Read again on the next call, which is served.
    expect((await call(expiring, 'b')).status).toBe(200);
    expect(await configSubscriptions(expiring)).toContain(bSubject);
  });
});
