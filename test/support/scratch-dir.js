// @ts-check
// Temporary folders of an e2e test file: removed when every test of the file passed, kept (and
// named on stderr) when one failed, by the e2e test environment (e2e-environment.ts).
// Plain JavaScript: that environment loads outside jest's module mapper, as nats-backend.js says.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the environment keeps the folders of the file it runs (a registry symbol: cross-realm). */
export const SCRATCH_DIRS = Symbol.for('weft.e2e.scratchDirs');

/**
 * A new folder `<tmpdir>/<prefix>XXXXXX`, cleaned up with the test file.
 * @param {string} prefix
 * @returns {Promise<string>}
 */
export async function scratchDir(prefix) {
  const dirs = /** @type {{ [SCRATCH_DIRS]?: string[] }} */ (globalThis)[SCRATCH_DIRS];
  if (dirs === undefined) {
    throw new Error(
      'scratchDir() needs the e2e test environment (test/support/e2e-environment.ts)',
    );
  }
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
