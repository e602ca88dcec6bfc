// A workload identity's key and certificate on local disk (0600), so a cold start without NATS or
// without the CA still presents a valid certificate.
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CertificateBundle } from './certificate-bundle.js';

/** What the file holds: enough to rebuild and re-check the bundle. */
export type CachedIdentity = Pick<
  CertificateBundle,
  'spiffeId' | 'key' | 'chain' | 'roots' | 'receivedAt'
>;

export class IdentityCache {
  constructor(readonly file: string) {}

  /** The cached identity, or undefined when there is none or it is not readable as one. */
  async load(): Promise<CachedIdentity | undefined> {
    try {
      const data = JSON.parse(await readFile(this.file, 'utf8')) as Partial<CachedIdentity>;
      const strings = (v: unknown): v is string[] =>
        Array.isArray(v) && v.every((s) => typeof s === 'string');
      return typeof data.spiffeId === 'string' &&
        typeof data.key === 'string' &&
        strings(data.chain) &&
        strings(data.roots) &&
        typeof data.receivedAt === 'number'
        ? (data as CachedIdentity)
        : undefined;
    } catch {
      return undefined;
    }
  }

  /** Written aside with mode 0600 then renamed in: never a torn file, never readable by others. */
  async save(bundle: CertificateBundle): Promise<void> {
    const { spiffeId, key, chain, roots, receivedAt } = bundle;
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ spiffeId, key, chain, roots, receivedAt }), {
      mode: 0o600,
    });
    // The mode given to writeFile is filtered by the umask and ignored for an existing file.
    await chmod(tmp, 0o600);
    await rename(tmp, this.file);
  }
}
