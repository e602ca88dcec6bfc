import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateTokenFile } from './admin-token-file.js';

describe('loadOrCreateTokenFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-token-file-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('makes a token in a new file only its owner may read, then reads the same one', async () => {
    const path = join(dir, 'admin-token');
    const made = await loadOrCreateTokenFile(path);
    expect(made).toMatchObject({ created: true, readableByOthers: false });
    expect(made.token).toMatch(/^weft_[A-Za-z0-9_-]{43}$/);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readFile(path, 'utf8')).trim()).toBe(made.token);
    expect(await loadOrCreateTokenFile(path)).toEqual({ ...made, created: false });
  });

  it('lets replicas starting together agree on one token', async () => {
    const path = join(dir, 'shared');
    const all = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateTokenFile(path)));
    expect(new Set(all.map((f) => f.token)).size).toBe(1);
    expect(all.filter((f) => f.created)).toHaveLength(1);
  });

  it("takes the operator's own token, and says when others may read the file", async () => {
    const path = join(dir, 'operator');
    await writeFile(path, `${'s3cret-'.repeat(6)}\n`);
    await chmod(path, 0o644);
    expect(await loadOrCreateTokenFile(path)).toEqual({
      token: 's3cret-'.repeat(6),
      created: false,
      readableByOthers: true,
    });
  });

  it('refuses a file that holds no token, naming the setting', async () => {
    const path = join(dir, 'short');
    await writeFile(path, 'hunter2\n');
    await expect(loadOrCreateTokenFile(path)).rejects.toThrow(
      `WEFT_ADMIN_TOKEN_FILE ${path}: does not hold a token`,
    );
  });

  it('says why it cannot write the file', async () => {
    await expect(loadOrCreateTokenFile(join(dir, 'missing', 'admin-token'))).rejects.toThrow(
      /WEFT_ADMIN_TOKEN_FILE .*missing\/admin-token/,
    );
  });
});
