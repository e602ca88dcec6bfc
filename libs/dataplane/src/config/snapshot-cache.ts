// The last good mesh snapshot on local disk, so a proxy cut off from NATS at start still routes.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { MeshSnapshotData } from './mesh-state.js';

export class SnapshotCache {
  constructor(readonly file: string) {}

  async load(): Promise<MeshSnapshotData | undefined> {
    try {
      const data = JSON.parse(await readFile(this.file, 'utf8')) as MeshSnapshotData;
      return typeof data.revision === 'number' && data.resources && data.endpointSets
        ? data
        : undefined;
    } catch {
      return undefined;
    }
  }

  /** Write-then-rename, so a crash mid-write never leaves a torn file behind. */
  async save(data: MeshSnapshotData): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(data));
    await rename(tmp, this.file);
  }
}
