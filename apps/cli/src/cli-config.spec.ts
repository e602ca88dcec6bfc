import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliConfigPath, currentContext, readCliConfig, writeCliConfig } from './cli-config.js';

describe('the CLI config file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-cli-config-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lives in WEFT_CONFIG, else under XDG_CONFIG_HOME, else ~/.config', () => {
    expect(cliConfigPath({ WEFT_CONFIG: '/x.yaml', XDG_CONFIG_HOME: '/xdg' })).toBe('/x.yaml');
    expect(cliConfigPath({ XDG_CONFIG_HOME: '/xdg' })).toBe('/xdg/weft/config.yaml');
    expect(cliConfigPath({})).toMatch(/\/\.config\/weft\/config\.yaml$/);
  });

  it('is written for its owner only, and read back with its current context', async () => {
    const path = join(dir, 'nested', 'config.yaml');
    const config = {
      'current-context': 'prod',
      contexts: [
        { name: 'local', server: 'http://127.0.0.1:15010' },
        { name: 'prod', server: 'https://cp.example:15010', token: 'weft_t' },
      ],
    };
    await writeCliConfig(path, config);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const read = await readCliConfig(path);
    expect(read).toEqual(config);
    expect(currentContext(read)?.token).toBe('weft_t');
  });

  it('is empty when absent; a malformed one is named with its field', async () => {
    expect(await readCliConfig(join(dir, 'none.yaml'))).toEqual({ contexts: [] });
    const path = join(dir, 'bad.yaml');
    await writeFile(path, 'contexts:\n  - name: a\n    server: 3\n');
    await expect(readCliConfig(path)).rejects.toThrow(`${path}: contexts[0].server must be a URL`);
    await writeFile(path, 'contexts: [: x\n');
    await expect(readCliConfig(path)).rejects.toThrow(`${path} is not YAML`);
  });
});
