import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCliConfig } from './cli-config.js';
import { adminTarget } from './cli-context.js';

describe('adminTarget', () => {
  let env: NodeJS.ProcessEnv;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-cli-context-'));
    const path = join(dir, 'config.yaml');
    await writeCliConfig(path, {
      'current-context': 'ctx',
      contexts: [{ name: 'ctx', server: 'http://cp.ctx:15010/', token: 'weft_ctx' }],
    });
    env = { WEFT_CONFIG: path };
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('takes the current context when nothing else is given', async () => {
    expect(await adminTarget({}, env)).toEqual({
      server: 'http://cp.ctx:15010/',
      token: 'weft_ctx',
    });
  });

  it('lets --server/--token, then WEFT_SERVER/WEFT_TOKEN, override the context', async () => {
    const withEnv = { ...env, WEFT_SERVER: 'http://cp.ctx:15010', WEFT_TOKEN: 'weft_env' };
    expect(await adminTarget({}, withEnv)).toEqual({
      server: 'http://cp.ctx:15010',
      token: 'weft_env',
    });
    expect(await adminTarget({ server: 'http://a:1', token: 'weft_flag' }, withEnv)).toEqual({
      server: 'http://a:1',
      token: 'weft_flag',
    });
  });

  it("never sends the context's token to another server", async () => {
    expect(await adminTarget({ server: 'http://elsewhere:15010' }, env)).toEqual({
      server: 'http://elsewhere:15010',
      token: undefined,
    });
  });

  it('falls back to the default control plane without a config file', async () => {
    expect(
      await adminTarget({}, { WEFT_CONFIG: join(tmpdir(), 'weft-no-such-config.yaml') }),
    ).toEqual({
      server: 'http://127.0.0.1:15010',
      token: undefined,
    });
  });
});
