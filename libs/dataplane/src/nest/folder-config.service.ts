// Standalone proxies: config from a local folder of the same YAML, re-read on change, no NATS.
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { formatErrors, keyOf, parseManifests, validateBatch } from '@app/protocol';
import {
  LOGGER,
  Readiness,
  readManifestFolder,
  reportInvalid,
  watchManifestFolder,
  type Logger,
} from '@app/runtime';
import { MeshState } from '../config/mesh-state.js';
import { DataPlaneEngine } from '../engine.js';
import { PROXY_OPTIONS, type ProxyOptions } from './proxy-options.js';

/**
 * The folder is one snapshot: all of it valid, or the last good config keeps serving (the error
 * is logged with resource and field path). Each applied read is a new local revision.
 */
@Injectable()
export class FolderConfigService implements OnApplicationBootstrap, OnApplicationShutdown {
  private revision = 0;
  private stopWatching: (() => void) | undefined;
  private readonly dir: string;

  constructor(
    @Inject(PROXY_OPTIONS) options: ProxyOptions,
    private readonly engine: DataPlaneEngine,
    private readonly readiness: Readiness,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.dir = options.configDir!;
    readiness.require('config');
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.load();
    this.stopWatching = watchManifestFolder(this.dir, () => void this.load());
  }

  onApplicationShutdown(): void {
    this.stopWatching?.();
  }

  private async load(): Promise<void> {
    try {
      const { text } = await readManifestFolder(this.dir);
      const parsed = parseManifests(text, this.dir);
      const batch = parsed.ok ? validateBatch(parsed.value) : parsed;
      if (!batch.ok) {
        reportInvalid(this.log, 'config', this.dir, formatErrors(batch.errors));
        return;
      }
      const state = new MeshState();
      state.revision = this.revision + 1;
      for (const resource of batch.value) state.resources.set(keyOf(resource), resource);
      const outcome = this.engine.configurator.applySnapshot(state);
      if (!outcome.ok) {
        reportInvalid(this.log, 'config', this.dir, outcome.error);
        return;
      }
      this.revision = state.revision;
      this.readiness.set('config', true);
      this.log.info(
        { dir: this.dir, revision: this.revision, resources: batch.value.length },
        'config folder applied',
      );
    } catch (err) {
      this.log.error(
        { dir: this.dir, err: (err as Error).message },
        'config folder unreadable; keeping the last good config',
      );
    }
  }
}
