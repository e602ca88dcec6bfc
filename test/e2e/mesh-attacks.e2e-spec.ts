// The attacks of issue 10, each replayed against one mesh in its default secure configuration (NATS
// operator permissions, mTLS STRICT, an authenticated admin API) and named after what it tries. The
// attacker holds a valid NATS token of another workload (the realistic insider), or nothing. Every
// attack must fail, and after each one traffic (a request through the mesh still reaches the real
// instance), config (its revision and resources), history, endpoints, the leader and the proxy table
// must be as they were.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import {
  connect,
  headers as natsHeaders,
  PermissionViolationError,
  type NatsConnection,
} from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { BUS_HEADER, encode, PROTOCOL_VERSION, Subjects } from '@app/protocol';
import { readNatsCredentials } from '@app/runtime/nats-credentials.js';
import { http, json, type HttpInit } from '../support/admin-client.js';
import { askCa, csrFor } from '../support/csr-requests.js';
import { EchoServer } from '../support/echo-server.js';
import { heartbeatBytes } from '../support/heartbeats.js';
import { listeningAddresses } from '../support/listening-sockets.js';
import { plainService } from '../support/manifests.js';
import { Mesh, type ControlPlane, type Sidecar } from '../support/mesh.js';
import { metric } from '../support/metrics.js';
import { connectOutcome, plaintextTo, rawGet, requestOverTls } from '../support/raw-clients.js';
import { scratchDir } from '../support/scratch-dir.js';
import { issueCertificate, makeCertificateAuthority } from '../support/test-certificates.js';
import { waitFor } from '../support/wait-for.js';
import { weft } from '../support/weft-cli.js';

const s = new Subjects('weft');
const bytes = (value: unknown): Uint8Array => encode(value as object);
const YAML = { 'content-type': 'application/yaml' };
const API_ID = 'spiffe://cluster.local/ns/default/sa/api';
const WEB_ID = 'spiffe://cluster.local/ns/default/sa/web';
const EVIL_ID = 'spiffe://cluster.local/ns/default/sa/evil';

/** What no attack may change, as the admin API shows it. */
interface Baseline {
  version: unknown;
  resources: unknown;
  history: unknown;
  leader: string;
  endpoints: string[];
  proxies: string[];
}

/** A NATS client and the permission violations nats-server reported to it. */
interface Attacker {
  nc: NatsConnection;
  refused: PermissionViolationError[];
}

describe('mesh attacks (default secure mesh)', () => {
  let mesh: Mesh;
  let cp: ControlPlane;
  let web: Sidecar;
  let apiSidecar: Sidecar;
  const api = new EchoServer('api-1');
  const webApp = new EchoServer('web');
  let evil: Attacker;
  let viewerToken: string;
  let baseline: Baseline;

  beforeAll(async () => {
    mesh = await Mesh.start();
    cp = await mesh.startControlPlane();
    await Promise.all([api.start(), webApp.start()]);
    [web, apiSidecar] = await Promise.all([
      mesh.startSidecar({ service: 'web', instanceId: 'web-1', appPort: webApp.port }),
      mesh.startSidecar({ service: 'api', instanceId: 'api-1', appPort: api.port }),
    ]);
    const revision = await mesh.applyOk(`${plainService('web')}---\n${plainService('api')}`);
    await mesh.converged(revision, ['web-1', 'api-1']);
    await waitFor('web reaches api over mTLS', async () =>
      (await callApi('/ready')).status === 200 ? true : undefined,
    );
    evil = await attacker({ role: 'proxy', identity: identity('evil') });
    viewerToken = await createAdminToken('viewer', 'read');
    baseline = await snapshot();
  });

  afterAll(async () => {
    await evil?.nc.close();
    await Promise.all([api.stop(), webApp.stop()]);
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

  /** web's app calling api through the mesh (its sidecar's outbound, mTLS to api's inbound). */
  function callApi(path: string): ReturnType<typeof http> {
    return http(`${web.outbound}${path}`, { headers: { host: 'api' } });
  }

  async function createAdminToken(name: string, role: 'read' | 'admin'): Promise<string> {
    const res = await http(`${cp.url}/v1/admin-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, role }),
    });
    expect(res.status).toBe(201);
    return (JSON.parse(res.body) as { token: string }).token;
  }

  async function snapshot(): Promise<Baseline> {
    const leader = await json<{ leader: { holder: string } | null }>(`${cp.url}/v1/leader`);
    const proxies = await json<{
      items: { id: string; namespace: string; service: string; status: string; revision: number }[];
    }>(`${cp.url}/v1/proxies`);
    return {
      version: await json(`${cp.url}/v1/version`),
      resources: await json(`${cp.url}/v1/resources`),
      history: await json(`${cp.url}/v1/history`),
      leader: leader.leader?.holder ?? 'none',
      endpoints: await mesh.endpointIds('api'),
      proxies: proxies.items
        .filter((p) => p.service === 'api' || p.service === 'web')
        .map((p) => `${p.namespace}/${p.service}/${p.id} ${p.status} ${p.revision}`)
        .sort(),
    };
  }

  /**
   * Traffic (a request through the mesh reaches the real api instance, which sees web's identity),
   * config, history, endpoints, leader and the real proxies' rows are as they were.
   */
  async function expectUnchanged(): Promise<void> {
    const path = `/after-attack-${api.received.length}`;
    const res = await callApi(path);
    expect([res.status, res.headers['x-echo-name']]).toEqual([200, 'api-1']);
    expect(JSON.parse(res.body)).toMatchObject({ name: 'api-1', method: 'GET', url: path });
    expect(await snapshot()).toEqual(baseline);
    // Nothing crashed (a follower a test started and stopped itself is not the mesh's).
    expect([cp, web, apiSidecar].map((c) => c.proc.running)).toEqual([true, true, true]);
  }

  /** `weft_invalid_messages_total{source}` on the control plane. */
  const invalid = (source: string): Promise<number> =>
    metric(cp.adminPort, 'weft_invalid_messages_total', [`source="${source}"`]);

  /** `weft_tls_handshake_failures_total` of api's inbound listener for `reason`. */
  const refusedHandshakes = (reason: string): Promise<number> =>
    metric(apiSidecar.adminPort, 'weft_tls_handshake_failures_total', [
      'listener="inbound"',
      `reason="${reason}"`,
    ]);

  /** A heartbeat of api-1 as its sidecar sends it, with `body`'s fields instead. */
  function heartbeat(body: Record<string, unknown>): Uint8Array {
    return heartbeatBytes('api', 'api-1', { port: api.port, ...body });
  }

  /** The trust bundle api's sidecar holds (what a TLS client needs to get past the server check). */
  async function meshRoots(): Promise<string> {
    const { items } = await json<{ items: { certificate: { roots: string[] } | null }[] }>(
      `http://127.0.0.1:${apiSidecar.adminPort}/v1/identities`,
    );
    return items[0].certificate!.roots.join('\n');
  }

  describe('on the bus', () => {
    it('a NATS client without credentials: cannot connect at all', async () => {
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

    it('forged leader lease: the write is refused, the leader keeps leading', async () => {
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

    it("forged bus caller (another identity's suffix on a bus call): refused, the responder never sees it", async () => {
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

    it("snooping (another party's inbox, a Service's calls outside its queue group): refused", async () => {
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

  describe('between workloads (mTLS STRICT)', () => {
    it('plaintext to a STRICT inbound: the connection is refused, counted and the app never reached', async () => {
      const before = await refusedHandshakes('plaintext');
      const reached = api.received.length;
      expect(await plaintextTo(apiSidecar.inboundPort)).toMatch(
        /^error (ECONNRESET|EPIPE|socket hang up)/,
      );
      await waitFor('the refusal counted', async () =>
        (await refusedHandshakes('plaintext')) > before ? true : undefined,
      );
      expect(api.received.length).toBe(reached);
      expect(
        apiSidecar.proc
          .logs()
          .some((l) => l.includes('"refused TLS handshake"') && l.includes('"plaintext"')),
      ).toBe(true);
      await expectUnchanged();
    });

    it('TLS without a mesh certificate to a STRICT inbound: refused and counted', async () => {
      const before = await refusedHandshakes('no_client_certificate');
      const reached = api.received.length;
      expect(await requestOverTls(apiSidecar.inboundPort, await meshRoots())).not.toMatch(
        /^HTTP\/1\.1/,
      );
      await waitFor('the refusal counted', async () =>
        (await refusedHandshakes('no_client_certificate')) > before ? true : undefined,
      );
      expect(api.received.length).toBe(reached);
      await expectUnchanged();
    });

    it("a certificate for another identity, asked of the mesh CA: refused (the CSR names an identity the token doesn't)", async () => {
      const before = await metric(cp.adminPort, 'weft_ca_refusals_total', [
        'reason="other-identity"',
      ]);
      // evil's token entitles `default/evil`: nats-server refuses it api's signing subject…
      const subject = s.caSign('default', 'api');
      await expect(evil.nc.request(subject, '{}', { timeout: 5_000 })).rejects.toThrow();
      await refusal(evil, 'publish', subject);
      // …and on its own, the CA signs only the identity the subject names.
      const own = s.caSign('default', 'evil');
      const forged = await askCa(evil.nc, own, await csrFor(API_ID));
      expect(forged.chain).toBeUndefined();
      expect(forged.error).toMatch(
        /entitled to spiffe:\/\/cluster.local\/ns\/default\/sa\/evil only/,
      );
      const foreign = await askCa(
        evil.nc,
        own,
        await csrFor('spiffe://evil.example/ns/default/sa/evil'),
      );
      expect(foreign.error).toMatch(/trust domain cluster.local/);
      expect(
        await metric(cp.adminPort, 'weft_ca_refusals_total', ['reason="other-identity"']),
      ).toBe(before + 1);
      // The same request for the entitled identity is signed: the refusals above are the checks'.
      const signed = await askCa(evil.nc, own, await csrFor(EVIL_ID));
      expect(signed.error).toBeUndefined();
      expect(new X509Certificate(signed.chain?.[0] ?? '').subjectAltName).toBe(`URI:${EVIL_ID}`);
      await expectUnchanged();
    });

    it("a certificate for another identity, from the attacker's own CA, presented to a STRICT inbound: refused and counted", async () => {
      const dir = await scratchDir('weft-rogue-ca-');
      const rogueCa = await makeCertificateAuthority(join(dir, 'ca'));
      const asWeb = await issueCertificate(rogueCa, dir, 'web', `URI:${WEB_ID}`);
      const before = await refusedHandshakes('untrusted_certificate');
      const reached = api.received.length;
      const [cert, key] = await Promise.all([
        readFile(asWeb.crt, 'utf8'),
        readFile(asWeb.key, 'utf8'),
      ]);
      expect(
        await requestOverTls(apiSidecar.inboundPort, await meshRoots(), { cert, key }),
      ).not.toMatch(/^HTTP\/1\.1/);
      await waitFor('the refusal counted', async () =>
        (await refusedHandshakes('untrusted_certificate')) > before ? true : undefined,
      );
      expect(api.received.length).toBe(reached);
      await expectUnchanged();
    });

    describe('a certificate for another identity, presented by a callee', () => {
      let impostor: TlsServer | undefined;
      const appD = new EchoServer('d');

      afterAll(async () => {
        await new Promise<void>((resolve) =>
          impostor ? impostor.close(() => resolve()) : resolve(),
        );
        await appD.stop();
      });

      it("is refused by the caller: no request reaches an impostor at d's address with api's genuine certificate", async () => {
        // api's genuine mesh certificate and key, as its sidecar keeps them in its state folder.
        const cached = JSON.parse(
          await readFile(join(mesh.stateDir, 'weft-identity-api-1-default-api.json'), 'utf8'),
        ) as { key: string; chain: string[]; roots: string[] };
        // d registers at 127.0.0.2 (its inbound listens on 127.0.0.1): whoever answers there is not d.
        await appD.start();
        const d = await mesh.startSidecar({
          service: 'd',
          instanceId: 'd1',
          appPort: appD.port,
          env: { WEFT_ADVERTISE_ADDRESS: '127.0.0.2' },
        });
        let bytesFromCaller = 0;
        impostor = createTlsServer(
          { key: cached.key, cert: cached.chain.join('\n'), ca: cached.roots, requestCert: true },
          (socket) => {
            socket.on('data', (chunk: Buffer) => (bytesFromCaller += chunk.length));
          },
        );
        await new Promise<void>((resolve) => impostor!.listen(d.inboundPort, '127.0.0.2', resolve));
        await waitFor('d in the endpoints', async () =>
          (await mesh.endpointIds('d')).join() === 'd1' ? true : undefined,
        );

        // web's proxy learns of d on its own watch: until then it answers 404 itself.
        const res = await waitFor('web to route to d', async () => {
          const answer = await http(`${web.outbound}/secret`, { headers: { host: 'd' } });
          return answer.status === 404 ? undefined : answer;
        });
        expect(res.status).toBeGreaterThanOrEqual(502);
        expect(res.body).toContain(`peer certificate names URI:${API_ID}`);
        expect(res.body).toContain('not spiffe://cluster.local/ns/default/sa/d');
        // The caller hung up before sending a byte of HTTP: the impostor learnt nothing.
        expect(bytesFromCaller).toBe(0);
        expect(appD.received).toEqual([]);
        await expectUnchanged();
      });
    });
  });

  describe('on the admin API', () => {
    /** Sends `request`, expects it refused with `status` and `error`, and nothing changed. */
    async function refusedAndUnchanged(
      path: string,
      request: HttpInit,
      status: number,
      error: string,
    ): Promise<Record<string, string | string[] | undefined>> {
      const res = await http(`${cp.url}${path}`, request);
      expect([res.status, (JSON.parse(res.body) as { error: string }).error]).toEqual([
        status,
        error,
      ]);
      expect(typeof (JSON.parse(res.body) as { message: unknown }).message).toBe('string');
      await expectUnchanged();
      return res.headers;
    }

    const bearer = (token: string): Record<string, string> => ({
      authorization: `Bearer ${token}`,
    });

    it('unauthenticated apply: 401 with a Bearer challenge, nothing applied', async () => {
      const headers = await refusedAndUnchanged(
        '/v1/apply',
        { method: 'POST', headers: YAML, body: plainService('forged'), auth: false },
        401,
        'unauthenticated',
      );
      expect(headers['www-authenticate']).toBe('Bearer realm="weft"');
    });

    it('unauthenticated delete and rollback: 401, nothing changed', async () => {
      await refusedAndUnchanged(
        '/v1/resources/service/default/api',
        { method: 'DELETE', auth: false },
        401,
        'unauthenticated',
      );
      await refusedAndUnchanged(
        '/v1/rollback/1',
        { method: 'POST', headers: { 'content-type': 'application/json' }, auth: false },
        401,
        'unauthenticated',
      );
    });

    it('unauthenticated reads: 401 for config, history, the stream and the token list', async () => {
      for (const path of ['/v1/resources', '/v1/history', '/v1/stream', '/v1/admin-tokens']) {
        expect([path, (await http(`${cp.url}${path}`, { auth: false })).status]).toEqual([
          path,
          401,
        ]);
      }
      await expectUnchanged();
    });

    it('unauthenticated apply with a made-up token: 401 invalid_token, nothing applied', async () => {
      const headers = await refusedAndUnchanged(
        '/v1/apply',
        {
          method: 'POST',
          headers: { ...YAML, ...bearer('weft_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA') },
          body: plainService('forged'),
        },
        401,
        'unauthenticated',
      );
      expect(headers['www-authenticate']).toBe('Bearer realm="weft", error="invalid_token"');
    });

    it('unauthenticated apply with the token in the query string: not a credential', async () => {
      const admin = (await readFile(mesh.adminTokenFile, 'utf8')).trim();
      for (const query of [`access_token=${admin}`, `token=${admin}`]) {
        await refusedAndUnchanged(
          `/v1/apply?${query}`,
          { method: 'POST', headers: YAML, body: plainService('forged'), auth: false },
          401,
          'unauthenticated',
        );
        expect((await http(`${cp.url}/v1/resources?${query}`, { auth: false })).status).toBe(401);
      }
    });

    it('unauthenticated apply through a follower: refused there, nothing reaches the leader', async () => {
      const follower = await mesh.startControlPlane();
      mesh.cp = cp;
      try {
        await waitFor('the new replica to follow', async () =>
          (await json<{ role: string }>(`${follower.url}/v1/leader`)).role === 'follower'
            ? true
            : undefined,
        );
        const res = await http(`${follower.url}/v1/apply`, {
          method: 'POST',
          headers: YAML,
          body: plainService('forged'),
          auth: false,
        });
        expect(res.status).toBe(401);
        expect(res.headers['x-weft-leader']).toBeUndefined();
      } finally {
        await follower.proc.stop();
      }
      await expectUnchanged();
    });

    it('apply with a read token (privilege escalation): 403 for apply, delete, rollback and new tokens', async () => {
      const asViewer = { ...YAML, ...bearer(viewerToken) };
      expect((await http(`${cp.url}/v1/resources`, { headers: bearer(viewerToken) })).status).toBe(
        200,
      );
      await refusedAndUnchanged(
        '/v1/apply',
        { method: 'POST', headers: asViewer, body: plainService('forged') },
        403,
        'forbidden',
      );
      await refusedAndUnchanged(
        '/v1/resources/service/default/api',
        { method: 'DELETE', headers: bearer(viewerToken) },
        403,
        'forbidden',
      );
      await refusedAndUnchanged(
        '/v1/rollback/1',
        { method: 'POST', headers: { ...bearer(viewerToken), 'content-type': 'application/json' } },
        403,
        'forbidden',
      );
      await refusedAndUnchanged(
        '/v1/admin-tokens',
        {
          method: 'POST',
          headers: { ...bearer(viewerToken), 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'escalated', role: 'admin' }),
        },
        403,
        'forbidden',
      );
      // A dry run writes nothing: a reader may ask what an apply would change.
      const dryRun = await http(`${cp.url}/v1/apply?dryRun=true`, {
        method: 'POST',
        headers: asViewer,
        body: plainService('forged'),
      });
      expect(dryRun.status).toBe(200);
      await expectUnchanged();
    });

    it('a read token listing tokens under another spelling of the path: 403', async () => {
      for (const target of [
        '/v1/admin-tokens',
        '/V1/Admin-Tokens',
        '/v1/admin-tokens/',
        '/v1//admin-tokens',
        '//v1/admin-tokens',
        '/v1/admin%2Dtokens',
        `http://127.0.0.1:${cp.adminPort}/v1/admin-tokens`,
      ]) {
        const res = await rawGet(cp.adminPort, target, bearer(viewerToken));
        expect([target, res.status]).toEqual([target, 403]);
        expect(res.body).not.toContain('items');
      }
    });

    it('cross-origin apply (a form post, text/plain, Origin: http://evil.example): refused, nothing applied', async () => {
      // Even with the admin's credential riding along, as a browser's ambient one would.
      await refusedAndUnchanged(
        '/v1/apply',
        {
          method: 'POST',
          headers: { 'content-type': 'text/plain', origin: 'http://evil.example' },
          body: plainService('forged'),
        },
        403,
        'cross_origin',
      );
      // The same form from a browser that sends no Origin: its content type gives it away.
      for (const type of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data',
      ]) {
        await refusedAndUnchanged(
          '/v1/apply',
          { method: 'POST', headers: { 'content-type': type }, body: plainService('forged') },
          415,
          'unsupported_media_type',
        );
      }
      // A rollback needs no body, so a form could post one: it needs a JSON content type too.
      await refusedAndUnchanged(
        '/v1/rollback/1',
        { method: 'POST' },
        415,
        'unsupported_media_type',
      );
    });

    it('cross-origin apply (a cross-site fetch with a JSON content type): refused by Origin and by Sec-Fetch-Site', async () => {
      const browsers: Record<string, string>[] = [
        { origin: 'http://127.0.0.1:8080' },
        { origin: 'null' },
        { 'sec-fetch-site': 'cross-site' },
        { 'sec-fetch-site': 'same-site' },
      ];
      for (const headers of browsers) {
        await refusedAndUnchanged(
          '/v1/apply',
          { method: 'POST', headers: { ...YAML, ...headers }, body: plainService('forged') },
          403,
          'cross_origin',
        );
      }
      // A CORS preflight is a cross-origin request too: no Access-Control-Allow-Origin, ever.
      const preflight = await http(`${cp.url}/v1/apply`, {
        method: 'OPTIONS',
        headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
        auth: false,
      });
      expect(preflight.status).toBe(403);
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      // Nor may another site log a browser in (login CSRF).
      await refusedAndUnchanged(
        '/v1/session',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
          body: JSON.stringify({ token: viewerToken }),
          auth: false,
        },
        403,
        'cross_origin',
      );
    });

    it('the admin API from another address: not reachable on a non-loopback address by default', async () => {
      // What the control plane reports it bound…
      const started = cp.proc.logs().find((l) => l.includes('"control plane started"'));
      expect(JSON.parse(started ?? '{}')).toMatchObject({
        adminPort: cp.adminPort,
        adminAddress: '127.0.0.1',
      });
      // …what the kernel says its listening socket is bound to…
      expect(await listeningAddresses(cp.proc.pid, cp.adminPort)).toEqual(['127.0.0.1']);
      // …and every other address of this machine refuses the connection.
      const others = Object.values(networkInterfaces())
        .flat()
        .filter((a) => a !== undefined && !a.internal && !a.address.startsWith('fe80:'))
        .map((a) => a!.address);
      for (const address of others) {
        expect([address, await connectOutcome(address, cp.adminPort)]).toEqual([
          address,
          'ECONNREFUSED',
        ]);
      }
    });

    // The last two write on purpose (as the admin): each takes a new baseline before its attack.

    it('a forged author (x-weft-author): the history records the caller the token names', async () => {
      const res = await http(`${cp.url}/v1/apply`, {
        method: 'POST',
        headers: { ...YAML, 'x-weft-author': 'mallory' },
        body: plainService('authored'),
      });
      expect(res.status).toBe(200);
      const { revision } = JSON.parse(res.body) as { revision: number };
      const { items } = await json<{ items: { revision: number; author: string }[] }>(
        `${cp.url}/v1/history`,
      );
      expect(items.find((h) => h.revision === revision)?.author).toBe('admin');
      expect(items.some((h) => h.author.includes('mallory'))).toBe(false);
      await mesh.converged(revision, ['web-1', 'api-1']);
      baseline = await snapshot();
    });

    it('a revoked admin token: 401 at once, nothing applied', async () => {
      const token = await createAdminToken('leaving', 'admin');
      const first = await http(`${cp.url}/v1/apply`, {
        method: 'POST',
        headers: { ...YAML, ...bearer(token) },
        body: plainService('before-revoke'),
      });
      expect(first.status).toBe(200);
      await mesh.converged((JSON.parse(first.body) as { revision: number }).revision, [
        'web-1',
        'api-1',
      ]);
      baseline = await snapshot();
      const revoke = await http(`${cp.url}/v1/admin-tokens/leaving`, { method: 'DELETE' });
      expect(revoke.status).toBe(200);
      await refusedAndUnchanged(
        '/v1/apply',
        {
          method: 'POST',
          headers: { ...YAML, ...bearer(token) },
          body: plainService('after-revoke'),
        },
        401,
        'unauthenticated',
      );
    });
  });
});
