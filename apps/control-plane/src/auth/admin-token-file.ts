// WEFT_ADMIN_TOKEN_FILE: the operator's admin token, read at start; made and written there when absent.
import { link, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { newAdminToken, TOKEN_SYNTAX } from './admin-token.js';

export interface AdminTokenFile {
  readonly token: string;
  /** This process made the token (the file did not exist). */
  readonly created: boolean;
  /** Others than its owner may read the file (as ssh, said rather than refused). */
  readonly readableByOthers: boolean;
}

/**
 * The file's token; when there is no file, a new token written there first (0600). Replicas sharing
 * a file may start at once: the new file appears whole or not at all (written aside, then
 * hard-linked into place, which fails when another process got there first), and all read the one
 * that won.
 */
export async function loadOrCreateTokenFile(path: string): Promise<AdminTokenFile> {
  const created = !(await exists(path)) && (await createIfAbsent(path));
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`WEFT_ADMIN_TOKEN_FILE ${path}: ${(err as Error).message}`);
  }
  const token = text.trim();
  if (!TOKEN_SYNTAX.test(token)) {
    throw new Error(
      `WEFT_ADMIN_TOKEN_FILE ${path}: does not hold a token (32 to 512 printable characters, no blanks)`,
    );
  }
  const readableByOthers = ((await stat(path)).mode & 0o077) !== 0;
  return { token, created, readableByOthers };
}

async function createIfAbsent(path: string): Promise<boolean> {
  const aside = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(aside, `${newAdminToken()}\n`, { mode: 0o600 });
    await link(aside, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new Error(`WEFT_ADMIN_TOKEN_FILE ${path}: cannot write it: ${(err as Error).message}`);
  } finally {
    await unlink(aside).catch(() => undefined);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new Error(`WEFT_ADMIN_TOKEN_FILE ${path}: ${(err as Error).message}`);
  }
}
