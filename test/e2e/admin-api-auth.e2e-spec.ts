// Who the admin API lets in, as an operator and a user meet it: the first admin token, tokens made
// and revoked with the CLI, its credentials (flag, env, contexts), and client certificates over HTTPS.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { adminTokenFor, http, json } from '../support/admin-client.js';
import { AppProcess } from '../support/app-process.js';
import { freePort } from '../support/free-port.js';
import { plainService } from '../support/manifests.js';
import { Mesh, type ControlPlane } from '../support/mesh.js';
import { plaintextTo, requestOverTls } from '../support/raw-clients.js';
import {
  issueCertificate,
  makeCertificateAuthority,
  type CertificateFiles,
} from '../support/test-certificates.js';
import { waitFor } from '../support/wait-for.js';
import { lines, weft } from '../support/weft-cli.js';
import { scratchDir } from '../support/scratch-dir.js';

const YAML = { 'content-type': 'application/yaml' };

interface LeaderView {
  role: 'leader' | 'follower';
  leader: { adminUrl: string } | null;
}
const TOKEN_LINE = /^ {2}export WEFT_TOKEN=(weft_[A-Za-z0-9_-]{43})$/;

describe('admin API authentication', () => {
  let mesh: Mesh;
  let cp: ControlPlane;
  let work: string;

  beforeAll(async () => {
    mesh = await Mesh.start();
    cp = await mesh.startControlPlane();
    work = await scratchDir('weft-admin-auth-');
  });

  afterAll(() => mesh.stop());

  describe('the first admin token', () => {
    it('is written to WEFT_ADMIN_TOKEN_FILE for its owner only, and never logged', async () => {
      expect((await stat(mesh.adminTokenFile)).mode & 0o777).toBe(0o600);
      const token = (await readFile(mesh.adminTokenFile, 'utf8')).trim();
      expect(cp.proc.logs().some((l) => l.includes('made an admin token and wrote it'))).toBe(true);
      expect(cp.proc.logs().some((l) => l.includes(token))).toBe(false);
    });

    it('without a token file: printed once on stderr by the first start of a mesh, never again', async () => {
      const env = { WEFT_SUBJECT_PREFIX: 'fresh', WEFT_ADMIN_TOKEN_FILE: '' };
      const first = await mesh.startControlPlane(env);
      const printed = first.proc.logs().flatMap((l) => TOKEN_LINE.exec(l)?.[1] ?? []);
      expect(printed).toHaveLength(1);
      const [token] = printed;
      // Outside the JSON log: no structured line carries it.
      expect(first.proc.logs().filter((l) => l.startsWith('{') && l.includes(token))).toEqual([]);
      const whoAmI = async (url: string): Promise<unknown> =>
        JSON.parse(
          (await http(`${url}/v1/session`, { headers: { authorization: `Bearer ${token}` } })).body,
        );
      const admin = { name: 'admin', role: 'admin', credential: 'token' };
      expect(await whoAmI(first.url)).toEqual(admin);
      await first.proc.stop();
      const again = await mesh.startControlPlane(env);
      expect(again.proc.logs().some((l) => TOKEN_LINE.test(l))).toBe(false);
      expect(await whoAmI(again.url)).toEqual(admin);
      await again.proc.stop();
      mesh.cp = cp;
    });
  });

  describe('the CLI', () => {
    it('names the caller its token stands for', async () => {
      const run = await weft(['whoami'], { server: cp.url });
      expect(run).toMatchObject({ code: 0, stdout: 'admin (role admin, by token)\n', stderr: '' });
    });

    it('creates a read token (printed alone, once), lists it without the secret, and it can only read', async () => {
      const created = await weft(['admin-token', 'create', '--name', 'ci', '--role', 'read'], {
        server: cp.url,
      });
      expect(created.code).toBe(0);
      expect(created.stderr).toBe('admin token ci (read) created; it is not shown again\n');
      const token = created.stdout.trim();
      expect(token).toMatch(/^weft_[A-Za-z0-9_-]{43}$/);

      const list = await weft(['admin-token', 'list'], { server: cp.url });
      expect(list.code).toBe(0);
      expect(lines(list.stdout)[0]).toMatch(/^NAME\s+ROLE\s+CREATED\s+CREATED BY$/);
      expect(lines(list.stdout).some((l) => /^ci\s+read\s+\S+ ago\s+admin$/.test(l))).toBe(true);
      expect(list.stdout).not.toContain(token);

      const read = await weft(['--token', token, 'get', 'services'], { server: cp.url });
      expect(read.code).toBe(0);
      const file = join(work, 'svc.yaml');
      await writeFile(file, plainService('from-ci'));
      const write = await weft(['--token', token, 'apply', '-f', file], { server: cp.url });
      expect(write).toMatchObject({
        code: 1,
        stdout: '',
        stderr:
          'Error: POST /v1/apply is not allowed: ci has the role read; POST /v1/apply needs admin\n' +
          'hint: this needs a token with the admin role (weft admin-token create --role admin)\n',
      });
    });

    it('says what is missing when it has no token, and when a token was revoked', async () => {
      const none = await weft(['get', 'services'], { server: cp.url, env: { WEFT_TOKEN: '' } });
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(
        /^Error: the control plane at http:\/\/127\.0\.0\.1:\d+ refused the request: this needs a credential/,
      );
      expect(none.stderr).toContain('hint: give a token: --token, WEFT_TOKEN, or a context');

      const made = await weft(['admin-token', 'create', '--name', 'temp', '--role', 'admin'], {
        server: cp.url,
      });
      const token = made.stdout.trim();
      expect((await weft(['whoami'], { server: cp.url, env: { WEFT_TOKEN: token } })).stdout).toBe(
        'temp (role admin, by token)\n',
      );
      const revoked = await weft(['admin-token', 'revoke', 'temp'], { server: cp.url });
      expect(revoked).toMatchObject({ code: 0, stdout: 'admin token temp revoked\n' });
      const after = await weft(['whoami'], { server: cp.url, env: { WEFT_TOKEN: token } });
      expect(after.code).toBe(1);
      expect(after.stderr).toContain('the token is not valid: revoked');
      const unknown = await weft(['admin-token', 'revoke', 'temp'], { server: cp.url });
      expect(unknown).toMatchObject({
        code: 1,
        stderr: 'Error: no admin token named temp (see weft admin-token list)\n',
      });
    });

    it('keeps contexts in its config file (0600), and sends a context token only to its server', async () => {
      const config = join(work, 'weft', 'config.yaml');
      const env = { WEFT_CONFIG: config };
      const token = adminTokenFor(cp.url)!;
      const set = await weft(['config', 'set-context', 'local', '-s', cp.url, '--token', token], {
        env,
      });
      expect(set).toMatchObject({ code: 0, stdout: `context local set (current) in ${config}\n` });
      expect((await stat(config)).mode & 0o777).toBe(0o600);
      expect(await readFile(config, 'utf8')).toContain('current-context: local');

      expect((await weft(['whoami'], { env })).stdout).toBe('admin (role admin, by token)\n');
      const contexts = await weft(['config', 'get-contexts'], { env });
      expect(lines(contexts.stdout)[1]).toMatch(new RegExp(`^\\*\\s+local\\s+${cp.url}\\s+yes$`));
      expect(contexts.stdout).not.toContain(token);

      // Another URL (the same control plane, by another name) never receives the context's token.
      const elsewhere = cp.url.replace('127.0.0.1', 'localhost');
      const other = await weft(['-s', elsewhere, 'whoami'], { env });
      expect(other.code).toBe(1);
      expect(other.stderr).toContain('this needs a credential');

      const unknown = await weft(['config', 'use-context', 'prod'], { env });
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toBe(
        `Error: no context prod in ${config} (see weft config get-contexts)\n`,
      );
    });
  });

  describe('dashboard sessions', () => {
    it('live while their token does: revoking the token ends them', async () => {
      const made = await http(`${cp.url}/v1/admin-tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'browser', role: 'read' }),
      });
      const { token } = JSON.parse(made.body) as { token: string };
      const login = await http(`${cp.url}/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
        auth: false,
      });
      expect(login.status).toBe(200);
      const cookie = String(login.headers['set-cookie']).split(';', 1)[0];
      const asBrowser = { headers: { cookie }, auth: false };
      expect(JSON.parse((await http(`${cp.url}/v1/session`, asBrowser)).body)).toEqual({
        name: 'browser',
        role: 'read',
        credential: 'session',
      });
      expect((await http(`${cp.url}/v1/admin-tokens/browser`, { method: 'DELETE' })).status).toBe(
        200,
      );
      const after = await http(`${cp.url}/v1/stream`, asBrowser);
      expect([after.status, JSON.parse(after.body)]).toEqual([
        401,
        { error: 'unauthenticated', message: 'the token of this session was revoked' },
      ]);
    });
  });

  describe('over HTTPS with client certificates', () => {
    const SPIFFE = (sa: string): string => `spiffe://cluster.local/ns/ops/sa/${sa}`;
    let tls: AppProcess;
    let url: string;
    let ca: CertificateFiles;
    let tlsEnv: Record<string, string>;
    const clients = new Map<string, Agent>();

    /** An HTTPS client trusting the test CA, presenting `cert` when given. */
    const client = async (cert?: CertificateFiles): Promise<Agent> => {
      const [caPem, crt, key] = await Promise.all(
        [ca.crt, cert?.crt, cert?.key].map((f) =>
          f === undefined ? Promise.resolve(undefined) : readFile(f, 'utf8'),
        ),
      );
      return new Agent({ connect: { ca: caPem, cert: crt, key } });
    };
    const send = async (
      who: string,
      path: string,
      init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string } = {},
    ): Promise<{ status: number; body: string; headers: Record<string, unknown> }> => {
      const res = await request(`${url}${path}`, { dispatcher: clients.get(who)!, ...init });
      return { status: res.statusCode, body: await res.body.text(), headers: res.headers };
    };

    beforeAll(async () => {
      const dir = join(work, 'pki');
      ca = await makeCertificateAuthority(join(dir, 'ca'));
      const server = await issueCertificate(ca, dir, 'server', 'IP:127.0.0.1');
      const rogueCa = await makeCertificateAuthority(join(dir, 'rogue-ca'));
      clients.set('none', await client());
      for (const sa of ['admin', 'viewer', 'stranger']) {
        clients.set(sa, await client(await issueCertificate(ca, dir, sa, `URI:${SPIFFE(sa)}`)));
      }
      clients.set(
        'rogue',
        await client(await issueCertificate(rogueCa, dir, 'rogue', `URI:${SPIFFE('admin')}`)),
      );
      const port = await freePort();
      url = `https://127.0.0.1:${port}`;
      tlsEnv = {
        NATS_URL: mesh.nats.url,
        ...mesh.credentials?.controlPlaneEnv(),
        WEFT_SUBJECT_PREFIX: 'tls',
        WEFT_ADMIN_TOKEN_FILE: join(work, 'tls-admin-token'),
        WEFT_ADMIN_TLS_CERT: server.crt,
        WEFT_ADMIN_TLS_KEY: server.key,
        WEFT_ADMIN_TLS_CLIENT_CA: ca.crt,
        WEFT_ADMIN_TLS_CLIENT_ROLES: `${SPIFFE('admin')}=admin,${SPIFFE('viewer')}=read`,
      };
      tls = AppProcess.start('control-plane', 'control-plane-tls', {
        ...tlsEnv,
        WEFT_ADMIN_PORT: String(port),
      });
      await waitFor('the HTTPS control plane /readyz', async () =>
        (await send('none', '/readyz').catch(() => undefined))?.status === 200 ? true : undefined,
      );
    });

    afterAll(async () => {
      await tls?.stop();
      await Promise.all([...clients.values()].map((a) => a.close()));
    });

    it('keeps health open and asks every other request for a credential', async () => {
      expect((await send('none', '/healthz')).status).toBe(200);
      expect((await send('none', '/v1/resources')).status).toBe(401);
    });

    it('lets an admin certificate apply, and records its SPIFFE ID as the author', async () => {
      const res = await send('admin', '/v1/apply', {
        method: 'POST',
        headers: YAML,
        body: plainService('by-cert'),
      });
      expect(res.status).toBe(200);
      const history = JSON.parse((await send('viewer', '/v1/history')).body) as {
        items: { author: string }[];
      };
      expect(history.items[0].author).toBe(SPIFFE('admin'));
      const leader = JSON.parse((await send('viewer', '/v1/leader')).body) as {
        leader: { adminUrl: string };
      };
      expect(leader.leader.adminUrl).toBe(url);
    });

    it('lets a read certificate read only; refuses an unlisted identity and an untrusted CA', async () => {
      expect((await send('viewer', '/v1/resources')).status).toBe(200);
      const write = await send('viewer', '/v1/apply', {
        method: 'POST',
        headers: YAML,
        body: plainService('by-viewer'),
      });
      expect(write.status).toBe(403);
      const stranger = await send('stranger', '/v1/resources');
      expect(stranger.status).toBe(403);
      expect(stranger.body).toContain(`${SPIFFE('stranger')} has no admin API role`);
      const rogue = await send('rogue', '/v1/resources');
      expect(rogue.status).toBe(401);
      expect(rogue.body).toContain('the client certificate is not trusted');
    });

    it('sends a certificate-authenticated write that reaches a follower to the leader (421)', async () => {
      const port = await freePort();
      const follower = AppProcess.start('control-plane', 'control-plane-tls-follower', {
        ...tlsEnv,
        WEFT_ADMIN_PORT: String(port),
      });
      try {
        const followerUrl = `https://127.0.0.1:${port}`;
        const view = async (): Promise<LeaderView | undefined> => {
          const res = await request(`${followerUrl}/v1/leader`, {
            dispatcher: clients.get('viewer')!,
          }).catch(() => undefined);
          return res === undefined ? undefined : ((await res.body.json()) as LeaderView);
        };
        await waitFor('the second HTTPS replica to follow the first', async () => {
          const seen = await view();
          return seen?.role === 'follower' && seen.leader?.adminUrl === url ? true : undefined;
        });
        const before = (await send('viewer', '/v1/history')).body;
        const res = await request(`${followerUrl}/v1/apply`, {
          dispatcher: clients.get('admin')!,
          method: 'POST',
          headers: YAML,
          body: plainService('via-follower'),
        });
        expect(res.statusCode).toBe(421);
        expect(await res.body.json()).toMatchObject({
          error: 'not_leader',
          leader: { adminUrl: url },
        });
        expect((await send('viewer', '/v1/history')).body).toBe(before);
      } finally {
        await follower.stop();
      }
    });

    it('takes bearer tokens too, and a dashboard login gets a Secure cookie', async () => {
      const token = (await readFile(join(work, 'tls-admin-token'), 'utf8')).trim();
      const login = await send('none', '/v1/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
      expect(login.status).toBe(200);
      expect(String(login.headers['set-cookie'])).toMatch(
        /^weft_session=[A-Za-z0-9_-]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Strict; Secure$/,
      );
    });

    it('counts and logs the handshakes it refuses: plaintext, and a TLS it does not speak', async () => {
      const port = Number(new URL(url).port);
      const refused = async (reason: string): Promise<number> => {
        const { body } = await send('none', '/metrics');
        const line = body
          .split('\n')
          .find((l) =>
            l.startsWith(`weft_tls_handshake_failures_total{listener="admin",reason="${reason}"}`),
          );
        return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
      };
      const [plaintext, wrongProtocol] = [
        await refused('plaintext'),
        await refused('wrong_protocol'),
      ];
      expect(await plaintextTo(port)).not.toMatch(/^status 2/);
      expect(
        await requestOverTls(port, await readFile(ca.crt, 'utf8'), {
          minVersion: 'TLSv1',
          maxVersion: 'TLSv1.1',
          ciphers: 'DEFAULT@SECLEVEL=0',
        }),
      ).toMatch(/^error /);
      await waitFor('both refusals counted', async () =>
        (await refused('plaintext')) > plaintext &&
        (await refused('wrong_protocol')) > wrongProtocol
          ? true
          : undefined,
      );
      expect(
        tls.logs().filter((l) => l.includes('"refused TLS handshake"')).length,
      ).toBeGreaterThan(0);
    });

    it('serves the CLI over HTTPS (the CA trusted through NODE_EXTRA_CA_CERTS)', async () => {
      const token = (await readFile(join(work, 'tls-admin-token'), 'utf8')).trim();
      const run = await weft(['whoami'], {
        server: url,
        env: { WEFT_TOKEN: token, NODE_EXTRA_CA_CERTS: ca.crt },
      });
      expect(run).toMatchObject({ code: 0, stdout: 'admin (role admin, by token)\n' });
    });
  });

  it('health, readiness and metrics stay open', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      expect([path, (await http(`${cp.url}${path}`, { auth: false })).status]).toEqual([path, 200]);
    }
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
