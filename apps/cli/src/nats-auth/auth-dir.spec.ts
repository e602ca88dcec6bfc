import { jest } from '@jest/globals';
import { decode, type Account, type User } from '@nats-io/jwt';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { natsPermissions } from '@app/protocol/nats-permissions.js';
import { Subjects } from '@app/protocol/subjects.js';
import {
  ACCOUNT_JWT_FILE,
  AUTH_FILE,
  AuthDir,
  CA_ENCRYPTION_KEY_FILE,
  CONTROL_PLANE_CREDS,
  SERVER_CONFIG_FILE,
  SYSTEM_CREDS,
} from './auth-dir.js';

const SETTINGS = { subjectPrefix: 'mesh', trustDomain: 'example.org' };

/** The user JWT of a `.creds` file. */
function userOf(creds: Uint8Array): ReturnType<typeof decode<User>> {
  const jwt = /-----BEGIN NATS USER JWT-----\n(\S+)\n/.exec(new TextDecoder().decode(creds))![1];
  return decode<User>(jwt);
}

// Ed25519 in tweetnacl runs some 30 times slower inside jest's VM than in node (about 0.8 s a
// signature here): one folder serves every case, and the cases get time.
jest.setTimeout(60_000);

describe('AuthDir', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-auth-spec-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes keys and creds readable by the owner only, and never rotates them when run again', async () => {
    const { auth, created } = await AuthDir.init(dir, SETTINGS);
    expect(created).toBe(true);
    for (const file of [
      'keys/operator.nk',
      'keys/weft-account-signing.nk',
      CONTROL_PLANE_CREDS,
      SYSTEM_CREDS,
      AUTH_FILE,
      CA_ENCRYPTION_KEY_FILE,
    ]) {
      expect([file, (await stat(join(dir, file))).mode & 0o777]).toEqual([file, 0o600]);
    }
    const config = await readFile(auth.path(SERVER_CONFIG_FILE), 'utf8');
    const operatorKey = await readFile(join(dir, 'keys/operator.nk'), 'utf8');
    // The CA's sealing key: 32 random bytes in base64, as the control plane reads it.
    const caKey = await readFile(auth.path(CA_ENCRYPTION_KEY_FILE), 'utf8');
    expect(Buffer.from(caKey, 'base64')).toHaveLength(32);
    const again = await AuthDir.init(dir, SETTINGS);
    expect(again.created).toBe(false);
    expect(await readFile(join(dir, 'keys/operator.nk'), 'utf8')).toBe(operatorKey);
    // Another key would not open the CA already sealed with this one.
    expect(await readFile(auth.path(CA_ENCRYPTION_KEY_FILE), 'utf8')).toBe(caKey);
    // Same operator and accounts (the JWTs are signed anew, so compare the keys they name).
    const keysOf = (text: string) => text.match(/\b[OA][A-Z2-7]{55}\b/g);
    expect(keysOf(await readFile(auth.path(SERVER_CONFIG_FILE), 'utf8'))).toEqual(keysOf(config));
  });

  it('refuses to reuse a folder made for another subject prefix', async () => {
    await expect(AuthDir.init(dir, { ...SETTINGS, subjectPrefix: 'other' })).rejects.toThrow(
      /subjectPrefix is mesh, not other/,
    );
  });

  it('mints users whose JWT carries exactly the permissions of their entitlement', async () => {
    const auth = await AuthDir.open(dir);
    const entitlement = {
      role: 'proxy' as const,
      identity: { namespace: 'shop', service: 'web', serviceAccount: 'web' },
    };
    const before = auth.tokens().length;
    const { record, creds } = await auth.mint(entitlement);
    const claims = userOf(creds);
    const expected = natsPermissions(new Subjects('mesh'), entitlement);
    expect(claims.sub).toBe(record.id);
    expect(claims.nats.pub).toEqual(expected.pub);
    expect(claims.nats.sub).toEqual(expected.sub);
    expect(claims.nats.issuer_account).toBeDefined();
    const names = (await AuthDir.open(dir)).tokens().map((t) => t.name);
    expect(names).toHaveLength(before + 1);
    expect(names).toEqual(expect.arrayContaining(['control-plane', 'proxy shop/web (sa web)']));
    // The control plane's user is unrestricted.
    const cp = userOf(await readFile(auth.path(CONTROL_PLANE_CREDS)));
    expect(cp.nats.pub).toBeUndefined();
    expect(cp.nats.sub).toBeUndefined();
  });

  it('revokes a user in the re-signed account JWT and the server config', async () => {
    const auth = await AuthDir.open(dir);
    const { record } = await auth.mint({ role: 'cli-read', name: 'alice' });
    const { accountJwt } = await auth.revoke(record.id);
    const account = decode<Account>(accountJwt);
    expect(Object.keys(account.nats.revocations ?? {})).toEqual([record.id]);
    expect(await readFile(auth.path(ACCOUNT_JWT_FILE), 'utf8')).toBe(accountJwt);
    expect(await readFile(auth.path(SERVER_CONFIG_FILE), 'utf8')).toContain(accountJwt);
    await expect(auth.revoke('nobody')).rejects.toThrow(/no token nobody/);
  });
});
