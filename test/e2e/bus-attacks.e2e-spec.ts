// Attacks on the bus, each named after what it tries, against a mesh in its default secure
// configuration: the attacker is a NATS client holding a valid token of another workload (the
// realistic insider), or one with no credentials at all. Every attack must fail, and traffic,
// config, history, endpoints, the leader and the proxy table must be as they were.
import {
  connect,
  headers as natsHeaders,
  PermissionViolationError,
  type NatsConnection,
} from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { BUS_HEADER, encode, PROTOCOL_VERSION, Subjects } from '@app/protocol';
import { http, json } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { heartbeatBytes } from '../support/heartbeats.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { readNatsCredentials } from '@app/runtime/nats-credentials.js';
import { waitFor } from '../support/wait-for.js';
import { weft } from '../support/weft-cli.js';

const s = new Subjects('weft');
const bytes = (value: unknown): Uint8Array => encode(value as object);

const MESH = `
apiVersion: v1
kind: Service
metadata: { name: api, annotations: { weft.dev/transport: bus } }
spec: { selector: { app: api } }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec: { selector: { app: web } }
`;

/** What must not change, as the admin API shows it. */
interface Baseline {
  resources: string;
  history: string;
  leader: string;
  endpoints: string[];
  proxies: string[];
}

/** A client and the permission violations nats-server reported to it. */
interface Attacker {
  nc: NatsConnection;
  refused: PermissionViolationError[];
}

describe('bus attacks (secure mesh)', () => {
  let mesh: Mesh;
  let web: Sidecar;
  let api: EchoServer;
  let webApp: EchoServer;
  let evil: Attacker;
  let baseline: Baseline;

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    webApp = await new EchoServer('web').start();
    api = await new EchoServer('api-1').start();
    [web] = await Promise.all([
      mesh.startSidecar({ service: 'web', instanceId: 'web-1', appPort: webApp.port }),
      mesh.startSidecar({ service: 'api', instanceId: 'api-1', appPort: api.port }),
    ]);
    await mesh.converged(await mesh.applyOk(MESH), ['web-1', 'api-1']);
    await waitFor('web reaches api over the bus', async () =>
      (await callApi()).status === 200 ? true : undefined,
    );
    evil = await attacker({ role: 'proxy', identity: identity('evil') });
    baseline = await snapshot();
  });

  afterAll(async () => {
    await evil?.nc.close();
    await Promise.all([api?.stop(), webApp?.stop()]);
    await mesh?.stop();
  });

  function identity(service: string): {
    namespace: string;
    service: string;
    serviceAccount: string;
  } {
    return { namespace: 'default', service, serviceAccount: service };
  }

  async function attacker(entitlement: Parameters<Mesh['natsClient']>[0]): Promise<Attacker> {
    const nc = await mesh.natsClient(entitlement);
    const refused: PermissionViolationError[] = [];
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === 'error' && status.error instanceof PermissionViolationError) {
          refused.push(status.error);
        }
      }
    })();
    return { nc, refused };
  }

  /** Resolves once nats-server told `who` it refused `operation` on `subject`. */
  function refusal(who: Attacker, operation: 'publish' | 'subscription', subject: string) {
    return waitFor(`nats-server to refuse ${operation} to ${subject}`, () =>
      who.refused.find((e) => e.operation === operation && e.subject === subject),
    );
  }

  function callApi(path = '/'): ReturnType<typeof http> {
    return http(`${web.outbound}${path}`, { headers: { host: 'api' } });
  }

  async function snapshot(): Promise<Baseline> {
    const url = mesh.controlPlane().url;
    const leader = await json<{ leader: { holder: string } | null }>(`${url}/v1/leader`);
    const proxies = await json<{
      items: { id: string; namespace: string; service: string; status: string; revision: number }[];
    }>(`${url}/v1/proxies`);
    return {
      resources: (await http(`${url}/v1/resources`)).body,
      history: (await http(`${url}/v1/history`)).body,
      leader: leader.leader?.holder ?? 'none',
      endpoints: await mesh.endpointIds('api'),
      proxies: proxies.items
        .filter((p) => p.service === 'api' || p.service === 'web')
        .map((p) => `${p.namespace}/${p.service}/${p.id} ${p.status} ${p.revision}`)
        .sort(),
    };
  }

  /** Traffic, config, history, endpoints, leader and the real proxies' rows are as they were. */
  async function expectUnchanged(): Promise<void> {
    const res = await callApi();
    expect([res.status, res.headers['x-echo-name']]).toEqual([200, 'api-1']);
    expect(await snapshot()).toEqual(baseline);
    expect(mesh.processes.every((p) => p.running)).toBe(true);
  }

  /** `weft_invalid_messages_total{source}` on the control plane. */
  async function invalid(source: string): Promise<number> {
    const text = (await http(`${mesh.controlPlane().url}/metrics`)).body;
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`weft_invalid_messages_total{source="${source}"}`));
    return line ? Number(line.split(' ').at(-1)) : 0;
  }

  /** A heartbeat of api-1 as its sidecar sends it, with `body`'s fields instead. */
  function heartbeat(body: Record<string, unknown>): Uint8Array {
    return heartbeatBytes('api', 'api-1', { port: api.port, ...body });
  }

  it('a client without credentials cannot connect at all', async () => {
    await expect(
      connect({ servers: mesh.nats.url, reconnect: false, timeout: 5_000 }),
    ).rejects.toThrow(/Authorization Violation/i);
    await expectUnchanged();
  });

  it("forged heartbeat for another Service's instance: refused, and dropped when sent as itself", async () => {
    const forged = s.health('default', 'api', 'api', 'api-9');
    evil.nc.publish(forged, heartbeat({ instanceId: 'api-9', proxyId: 'api-9', port: 1 }));
    await refusal(evil, 'publish', forged);
    // On its own subject, the body naming api: the control plane drops it (second line).
    const before = await invalid('health');
    const own = s.health('default', 'evil', 'evil', 'api-9');
    evil.nc.publish(own, heartbeat({ instanceId: 'api-9', proxyId: 'api-9', port: 1 }));
    // As itself but labelled app=api, to join api's selector.
    evil.nc.publish(
      own,
      heartbeat({ service: 'evil', serviceAccount: 'evil', instanceId: 'api-9', port: 1 }),
    );
    await waitFor('both counted invalid', async () =>
      (await invalid('health')) >= before + 2 ? true : undefined,
    );
    await expectUnchanged();
  });

  it('forged `down` for a real instance: refused, and an instance id another identity holds is not its to speak for', async () => {
    const victim = s.health('default', 'api', 'api', 'api-1');
    evil.nc.publish(victim, heartbeat({ state: 'down' }));
    await refusal(evil, 'publish', victim);
    const before = await invalid('health');
    evil.nc.publish(
      s.health('default', 'evil', 'evil', 'api-1'),
      heartbeat({
        service: 'evil',
        serviceAccount: 'evil',
        labels: { app: 'evil' },
        state: 'down',
      }),
    );
    await waitFor('counted invalid', async () =>
      (await invalid('health')) > before ? true : undefined,
    );
    await expectUnchanged();
  });

  it("forged announcement on a proxy's destination subject with a huge revision: refused", async () => {
    const subject = s.configAnnouncement('dst.default.api');
    evil.nc.publish(
      subject,
      bytes({ v: PROTOCOL_VERSION, key: 'dst.default.api', seq: 1_000_000_000, value: null }),
    );
    await refusal(evil, 'publish', subject);
    await expectUnchanged();
  });

  it('direct KV write to the config bucket: refused', async () => {
    const kv = await new Kvm(evil.nc).open('weft-config');
    await expect(kv.put('service.default.api', '{}')).rejects.toThrow(/Permissions Violation/);
    await expect(kv.delete('service.default.api')).rejects.toThrow(/Permissions Violation/);
    await expectUnchanged();
  });

  it('forged leader lease write: refused, the leader keeps leading', async () => {
    const kv = await new Kvm(evil.nc).open('weft-leader');
    const lease = {
      holder: 'evil',
      adminUrl: 'http://127.0.0.1:1',
      expiresAt: Date.now() + 60_000,
    };
    await expect(kv.put('control-plane', JSON.stringify(lease))).rejects.toThrow(
      /Permissions Violation/,
    );
    await expectUnchanged();
  });

  it("forged ACK/NACK: refused on another proxy's subject; as itself it is only its own row", async () => {
    const nack = {
      v: PROTOCOL_VERSION,
      proxyId: 'api-1',
      mode: 'sidecar',
      namespace: 'default',
      service: 'api',
      revision: 1,
      status: 'NACK',
      error: 'forged',
      sentAt: Date.now(),
    };
    const victim = s.proxyAck('default', 'api', 'api-1');
    evil.nc.publish(victim, bytes(nack));
    await refusal(evil, 'publish', victim);
    const before = await invalid('ack');
    const own = s.proxyAck('default', 'evil', 'api-1');
    evil.nc.publish(own, bytes(nack));
    await waitFor('the body naming api counted invalid', async () =>
      (await invalid('ack')) > before ? true : undefined,
    );
    await expectUnchanged();
  });

  it("publishing a bus call with another identity's suffix: refused, the responder never sees it", async () => {
    const open = (path: string) => {
      const h = natsHeaders();
      h.set(BUS_HEADER.frame, 'open');
      h.set(BUS_HEADER.method, 'GET');
      h.set(BUS_HEADER.path, path);
      h.set(BUS_HEADER.body, '0');
      h.set(BUS_HEADER.window, '16');
      h.set(BUS_HEADER.keepalive, '1000');
      return h;
    };
    const asWeb = s.rpc('default', 'api', 'default', 'web');
    await expect(
      evil.nc.request(asWeb, new Uint8Array(0), { headers: open('/forged'), timeout: 5_000 }),
    ).rejects.toThrow();
    await refusal(evil, 'publish', asWeb);
    // As itself the call goes through: the bus binds who calls, it does not forbid calling.
    const asEvil = s.rpc('default', 'api', 'default', 'evil');
    const answer = await evil.nc.request(asEvil, new Uint8Array(0), {
      headers: open('/as-itself'),
      timeout: 10_000,
    });
    expect(answer.headers?.get(BUS_HEADER.status)).toBe('200');
    expect(api.received.map((r) => r.url)).toContain('/as-itself');
    expect(api.received.map((r) => r.url)).not.toContain('/forged');
    await expectUnchanged();
  });

  it('a certificate for another identity over NATS: the signing subject is refused', async () => {
    const subject = s.caSign('default', 'api');
    await expect(evil.nc.request(subject, '{}', { timeout: 5_000 })).rejects.toThrow();
    await refusal(evil, 'publish', subject);
    await expectUnchanged();
  });

  it("subscribing to another party's inbox, or to a Service's calls outside its queue group: refused", async () => {
    const snoop = await attacker({ role: 'proxy', identity: identity('snoop') });
    try {
      for (const [subject, queue] of [
        ['_INBOX.default.web.>', undefined],
        ['_INBOX.>', undefined],
        [s.rpcFromAnyCaller('default', 'api'), undefined],
        [s.rpcFromAnyCaller('default', 'api'), 'snoopers'],
        [s.healthAll, undefined],
      ] as const) {
        const sub = snoop.nc.subscribe(subject, queue ? { queue } : {});
        await refusal(snoop, 'subscription', subject);
        await sub.closed.catch(() => undefined);
        expect(sub.isClosed()).toBe(true);
      }
      await snoop.nc.flush();
    } finally {
      await snoop.nc.close();
    }
    await expectUnchanged();
  });

  it('a revoked token reconnecting: cut off at once, refused from then on', async () => {
    const credentials = mesh.credentials!;
    const credsFile = await credentials.credsFile({ role: 'proxy', identity: identity('rogue') });
    const auth = await credentials.open();
    const id = auth.tokens().at(-1)!.id;
    const asRogue = async (): Promise<NatsConnection> => {
      const { authenticator, inboxPrefix } = await readNatsCredentials(credsFile);
      return connect({ servers: mesh.nats.url, authenticator, inboxPrefix, reconnect: false });
    };
    const rogue = await asRogue();
    const closed = rogue.closed();
    const run = await weft([
      'token',
      'revoke',
      id,
      '--auth-dir',
      auth.dir,
      '--nats',
      mesh.nats.url,
    ]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain(`revoked ${id}`);
    // The server drops its connection at once ("User Authentication Revoked")…
    await expect(closed).resolves.toBeInstanceOf(Error);
    // …and refuses it from then on.
    await expect(asRogue()).rejects.toThrow(/Authorization Violation/i);
    const listed = await weft(['token', 'list', '--auth-dir', auth.dir]);
    expect(listed.stdout.split('\n').find((l) => l.startsWith(id))).toMatch(/revoked/);
    await expectUnchanged();
  });
});
