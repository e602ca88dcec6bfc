// Attacks on the control plane's admin API, replayed against a mesh in its default secure
// configuration: each is refused, and the config, its revision and its history stay as they were.
import { readFile, readdir, readlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { http, json, type HttpInit } from '../support/admin-client.js';
import { AppProcess } from '../support/app-process.js';
import { freePort } from '../support/free-port.js';
import { plainService } from '../support/manifests.js';
import { rawGet } from '../support/raw-get.js';
import { Mesh, type ControlPlane } from '../support/mesh.js';
import { waitFor } from '../support/wait-for.js';

const YAML = { 'content-type': 'application/yaml' };

interface History {
  revision: number;
  items: { revision: number; author: string }[];
}

/** What an attack must leave as it was: the revision, the resources and the history. */
interface ConfigState {
  resources: unknown;
  history: History;
}

describe('admin API attacks', () => {
  let mesh: Mesh;
  let cp: ControlPlane;
  let viewerToken: string;

  beforeAll(async () => {
    mesh = await Mesh.start();
    cp = await mesh.startControlPlane();
    expect(await mesh.applyOk(plainService('baseline'))).toBe(1);
    viewerToken = await createToken('viewer', 'read');
  });

  afterAll(() => mesh.stop());

  async function createToken(name: string, role: 'read' | 'admin'): Promise<string> {
    const res = await http(`${cp.url}/v1/admin-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, role }),
    });
    expect(res.status).toBe(201);
    return (JSON.parse(res.body) as { token: string }).token;
  }

  const state = async (): Promise<ConfigState> => ({
    resources: await json(`${cp.url}/v1/resources`),
    history: await json<History>(`${cp.url}/v1/history`),
  });

  /** Sends `request`, expects it refused with `status` and `error`, and nothing changed. */
  async function refusedAndUnchanged(
    path: string,
    request: HttpInit,
    status: number,
    error: string,
  ): Promise<Record<string, string | string[] | undefined>> {
    const before = await state();
    const res = await http(`${cp.url}${path}`, request);
    expect([res.status, (JSON.parse(res.body) as { error: string }).error]).toEqual([
      status,
      error,
    ]);
    expect(typeof (JSON.parse(res.body) as { message: unknown }).message).toBe('string');
    expect(await state()).toEqual(before);
    return res.headers;
  }

  const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

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
      '/v1/resources/service/default/baseline',
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
      expect([path, (await http(`${cp.url}${path}`, { auth: false })).status]).toEqual([path, 401]);
    }
  });

  it('health, readiness and metrics stay open', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      expect([path, (await http(`${cp.url}${path}`, { auth: false })).status]).toEqual([path, 200]);
    }
  });

  it('a made-up token: 401 invalid_token, nothing applied', async () => {
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

  it('a read token writing: 403 for apply, delete, rollback and new tokens, nothing changed', async () => {
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
      '/v1/resources/service/default/baseline',
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

  it('a cross-origin form post (text/plain, Origin: http://evil.example): refused, nothing applied', async () => {
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
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']) {
      await refusedAndUnchanged(
        '/v1/apply',
        { method: 'POST', headers: { 'content-type': type }, body: plainService('forged') },
        415,
        'unsupported_media_type',
      );
    }
    // A rollback needs no body, so a form could post one: it needs a JSON content type too.
    await refusedAndUnchanged('/v1/rollback/1', { method: 'POST' }, 415, 'unsupported_media_type');
  });

  it('a cross-site fetch with a JSON content type: refused by Origin and by Sec-Fetch-Site', async () => {
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

  it('a forged x-weft-author: the history records the caller the token names', async () => {
    const res = await http(`${cp.url}/v1/apply`, {
      method: 'POST',
      headers: { ...YAML, 'x-weft-author': 'mallory' },
      body: plainService('authored'),
    });
    expect(res.status).toBe(200);
    const { revision } = JSON.parse(res.body) as { revision: number };
    const { items } = await json<History>(`${cp.url}/v1/history`);
    expect(items.find((h) => h.revision === revision)?.author).toBe('admin');
    expect(items.some((h) => h.author.includes('mallory'))).toBe(false);
  });

  it('a revoked token: 401 at once, nothing applied', async () => {
    const token = await createToken('leaving', 'admin');
    const first = await http(`${cp.url}/v1/apply`, {
      method: 'POST',
      headers: { ...YAML, ...bearer(token) },
      body: plainService('before-revoke'),
    });
    expect(first.status).toBe(200);
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

  it('a token in the query string is not a credential', async () => {
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

  it('the admin port is not reachable on a non-loopback address by default', async () => {
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

  it('a follower refuses an unauthenticated write itself: nothing reaches the leader', async () => {
    const follower = await mesh.startControlPlane();
    mesh.cp = cp;
    await waitFor('the new replica to follow', async () =>
      (await json<{ role: string }>(`${follower.url}/v1/leader`)).role === 'follower'
        ? true
        : undefined,
    );
    const before = await state();
    const res = await http(`${follower.url}/v1/apply`, {
      method: 'POST',
      headers: YAML,
      body: plainService('forged'),
      auth: false,
    });
    expect(res.status).toBe(401);
    expect(res.headers['x-weft-leader']).toBeUndefined();
    expect(await state()).toEqual(before);
    await follower.proc.stop();
  });

  describe('with WEFT_ADMIN_AUTH=off (local development)', () => {
    let open: AppProcess;
    let url: string;

    beforeAll(async () => {
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      open = AppProcess.start('control-plane', 'control-plane-auth-off', {
        NATS_URL: mesh.nats.url,
        ...mesh.credentials?.controlPlaneEnv(),
        WEFT_SUBJECT_PREFIX: 'open',
        WEFT_ADMIN_PORT: String(port),
        WEFT_ADMIN_AUTH: 'off',
      });
      await waitFor('the control plane without auth', async () =>
        (await http(`${url}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined,
      );
    });

    afterAll(() => open.stop());

    it('says so loudly, and serves a local caller without a token', async () => {
      expect(open.logs().some((l) => l.includes('ADMIN API AUTHENTICATION IS OFF'))).toBe(true);
      const res = await http(`${url}/v1/apply`, {
        method: 'POST',
        headers: YAML,
        body: plainService('dev'),
      });
      expect(res.status).toBe(200);
    });

    it('DNS rebinding (a Host that is a name): 403, nothing applied', async () => {
      const before = await json(`${url}/v1/history`);
      const res = await http(`${url}/v1/apply`, {
        method: 'POST',
        headers: { ...YAML, host: `evil.example:${new URL(url).port}` },
        body: plainService('rebound'),
      });
      expect([res.status, (JSON.parse(res.body) as { error: string }).error]).toEqual([
        403,
        'dns_rebinding',
      ]);
      expect(await json(`${url}/v1/history`)).toEqual(before);
    });

    it('refuses to start bound to a non-loopback address', async () => {
      const exposed = AppProcess.start('control-plane', 'control-plane-auth-off-exposed', {
        NATS_URL: mesh.nats.url,
        ...mesh.credentials?.controlPlaneEnv(),
        WEFT_ADMIN_PORT: String(await freePort()),
        WEFT_ADMIN_AUTH: 'off',
        WEFT_BIND_ADDRESS: '0.0.0.0',
      });
      expect(await exposed.exited).toBe(1);
      expect(exposed.logs().join('\n')).toContain(
        'WEFT_ADMIN_AUTH=off is for local development: WEFT_BIND_ADDRESS must be a loopback address',
      );
    });
  });
});

/** The local addresses of the TCP sockets `pid` listens on at `port`, from /proc. */
async function listeningAddresses(pid: number, port: number): Promise<string[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined) inodes.add(inode);
  }
  const addresses: string[] = [];
  for (const table of ['tcp', 'tcp6']) {
    const rows = (await readFile(`/proc/${pid}/net/${table}`, 'utf8')).split('\n').slice(1);
    for (const row of rows) {
      const [, local, , state, , , , , , inode] = row.trim().split(/\s+/);
      if (local === undefined || state !== '0A' || !inodes.has(inode)) continue;
      const [hex, portHex] = local.split(':');
      if (parseInt(portHex, 16) === port) addresses.push(procAddress(hex));
    }
  }
  return addresses;
}

/** /proc/net/tcp's little-endian hex address as text (IPv4; IPv6 kept as hex). */
function procAddress(hex: string): string {
  if (hex.length !== 8) return hex;
  return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
}

/** `connected`, or the error code of connecting to `address:port`. */
function connectOutcome(address: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, timeout: 5_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}
