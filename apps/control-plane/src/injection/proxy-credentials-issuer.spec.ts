// The control plane mints a proxy user as `weft token create` does: same issuer (the account's signing key, in the account), same permissions, for the pod's identity only.
import { jest } from '@jest/globals';
import { parseCreds } from '@nats-io/jwt';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { natsPermissions } from '@app/protocol/nats-permissions.js';
import { Subjects } from '@app/protocol/subjects.js';
import { keyFromSeed, mintEntitledUser } from '@app/runtime/nats-user-minting.js';
import { AuthDir, CONTROL_PLANE_CREDS } from '../../../cli/src/nats-auth/auth-dir.js';
import { loadUserIssuer } from './proxy-credentials-issuer.js';

/** What `weft nats-config` writes: the file the chart's signing key Secret is made from. */
const SIGNING_KEY = 'keys/weft-account-signing.nk';

// Ed25519 signing runs slowly inside jest's VM (about 0.8 s a signature): one folder serves all.
jest.setTimeout(60_000);

describe('proxy credentials minted by the control plane', () => {
  let dir: string;
  let auth: AuthDir;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-issuer-spec-'));
    auth = (await AuthDir.init(dir, { subjectPrefix: 'mesh', trustDomain: 'example.org' })).auth;
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("carries exactly what `weft token create` gives the same identity, signed by the account's signing key", async () => {
    const identity = { namespace: 'shop', service: 'api', serviceAccount: 'api-sa' };
    const issuer = await loadUserIssuer(join(dir, SIGNING_KEY), auth.path(CONTROL_PLANE_CREDS));
    expect(issuer.account).toBe(auth.account);

    const minted = await mintEntitledUser(issuer, new Subjects('mesh'), {
      role: 'proxy',
      identity,
    });
    const byCli = await auth.mint({ role: 'proxy', identity });
    const ours = (await parseCreds(minted.creds)).uc;
    const theirs = (await parseCreds(byCli.creds)).uc;

    // Its own user key: the subject is the id a revocation names.
    expect(ours.sub).toBe(minted.id);
    expect(ours.sub).not.toBe(theirs.sub);
    expect(minted.name).toBe('proxy shop/api (sa api-sa)');
    expect(ours.name).toBe(theirs.name);
    // Issued by the account's signing key, in the WEFT account: as the CLI's users are.
    const signingKey = keyFromSeed(await readFile(join(dir, SIGNING_KEY), 'utf8'));
    expect(ours.iss).toBe(signingKey.getPublicKey());
    expect(ours.iss).toBe(theirs.iss);
    expect(ours.nats.issuer_account).toBe(auth.account);
    expect(ours.nats.issuer_account).toBe(theirs.nats.issuer_account);
    // The same permissions, and they are this identity's (not another Service's).
    expect(ours.nats.pub).toEqual(theirs.nats.pub);
    expect(ours.nats.sub).toEqual(theirs.nats.sub);
    const expected = natsPermissions(new Subjects('mesh'), { role: 'proxy', identity });
    expect(ours.nats.pub).toEqual(expected.pub);
    const other = natsPermissions(new Subjects('mesh'), {
      role: 'proxy',
      identity: { ...identity, service: 'billing' },
    });
    expect(ours.nats.pub).not.toEqual(other.pub);
  });

  it('refuses a key file that is not an account signing key, and creds it cannot read, naming the setting', async () => {
    const creds = auth.path(CONTROL_PLANE_CREDS);
    await expect(loadUserIssuer(join(dir, 'keys/operator-signing.nk'), creds)).rejects.toThrow(
      /^WEFT_NATS_ACCOUNT_SIGNING_KEY_FILE=.*operator-signing\.nk: must hold the WEFT account's signing key seed .*not an account key seed/,
    );
    await expect(loadUserIssuer(join(dir, 'missing.nk'), creds)).rejects.toThrow(
      /^WEFT_NATS_ACCOUNT_SIGNING_KEY_FILE=.*missing\.nk: .*ENOENT/,
    );
    const garbage = join(dir, 'garbage.creds');
    await writeFile(garbage, 'not a creds file');
    await expect(loadUserIssuer(join(dir, SIGNING_KEY), garbage)).rejects.toThrow(
      /^WEFT_NATS_CREDS=.*garbage\.creds: cannot read the account to mint proxy users in/,
    );
  });
});
