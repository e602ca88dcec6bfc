// Loads WEFT_CONFIG_DIR at start and re-applies it (debounced) whenever a file in it changes.
// Only the leader runs it; a new leader applies the folder again (a no-op when nothing differs).
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { formatErrors } from '@app/protocol';
import { LOGGER, readManifestFolder, watchManifestFolder, type Logger } from '@app/runtime';
import { ApplyRejected } from '../config/config-errors.js';
import { ApplyService } from './apply.service.js';

@Injectable()
export class ConfigDirService implements OnApplicationShutdown {
  private stopWatching: (() => void) | undefined;

  constructor(
    private readonly apply: ApplyService,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async start(dir: string): Promise<void> {
    this.stop();
    this.stopWatching = watchManifestFolder(dir, () => void this.load(dir));
    await this.load(dir);
  }

  stop(): void {
    this.stopWatching?.();
    this.stopWatching = undefined;
  }

  onApplicationShutdown(): void {
    this.stop();
  }

  /** The folder is one batch: all its files valid, or none of them applied. */
  private async load(dir: string): Promise<void> {
    try {
      const { text, files } = await readManifestFolder(dir);
      const result = await this.apply.applyText(text, {
        source: 'dir',
        origin: dir,
        author: `folder ${dir}`,
        prune: true,
      });
      this.log.info(
        { dir, files, revision: result.revision, changed: result.changed },
        'config folder applied',
      );
    } catch (err) {
      const reason =
        err instanceof ApplyRejected ? formatErrors(err.errors) : (err as Error).message;
      this.log.error({ dir, reason }, 'config folder not applied; the previous config stays');
    }
  }
}
