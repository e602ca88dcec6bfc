// The CA key at rest: encrypted, bound to its certificate, and a wrong key is a clear error.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateFingerprint, PROTOCOL_VERSION } from '@app/protocol';
import { openStoredAuthority } from './authority.js';
import { generateRoot } from './root-certificate.js';
import { EncryptionKeyError, open, readEncryptionKey, seal } from './sealed-key.js';
import { exportPkcs8 } from './signing-key.js';

describe('sealed CA keys', () => {
  it('never hold the clear key, and open only with the same key for the same certificate', async () => {
    const root = await generateRoot('cluster.local');
    const pkcs8 = await exportPkcs8(root.signing.key);
    const key = randomBytes(32);
    const fingerprint = certificateFingerprint(root.pem);
    const sealed = seal(pkcs8, key, fingerprint);
    const stored = JSON.stringify(sealed);
    expect(stored).not.toContain(pkcs8.toString('base64'));
    expect(stored).not.toContain(pkcs8.subarray(-32).toString('base64').slice(0, 20));
    expect(open(sealed, key, fingerprint).equals(pkcs8)).toBe(true);
    expect(() => open(sealed, randomBytes(32), fingerprint)).toThrow(EncryptionKeyError);
    expect(() => open(sealed, key, 'another certificate')).toThrow(EncryptionKeyError);
  });

  it('stop a replica with the wrong key file at start, saying so', async () => {
    const root = await generateRoot('cluster.local');
    const fingerprint = certificateFingerprint(root.pem);
    const sealed = seal(await exportPkcs8(root.signing.key), randomBytes(32), fingerprint);
    const state = {
      v: PROTOCOL_VERSION,
      roots: [{ cert: root.pem, key: sealed }],
      signer: fingerprint,
      phase: 'steady' as const,
    };
    await expect(openStoredAuthority(state, randomBytes(32))).rejects.toThrow(
      /WEFT_CA_ENCRYPTION_KEY_FILE does not open the CA key/,
    );
  });

  it('read the key file as 32 bytes of base64 and refuse anything else', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-ca-key-'));
    const good = join(dir, 'good');
    await writeFile(good, `${randomBytes(32).toString('base64')}\n`);
    expect((await readEncryptionKey(good)).length).toBe(32);
    const short = join(dir, 'short');
    await writeFile(short, randomBytes(16).toString('base64'));
    await expect(readEncryptionKey(short)).rejects.toThrow(/must hold 32 random bytes in base64/);
    await expect(readEncryptionKey(join(dir, 'missing'))).rejects.toThrow(/cannot be read/);
    await rm(dir, { recursive: true, force: true });
  });
});
