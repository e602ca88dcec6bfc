// Loads WEFT_CONFIG_DIR at start and re-applies it (debounced) whenever a file in it changes.
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatErrors } from '@app/protocol';
import { LOGGER, type Logger } from '@app/runtime';
import { ApplyRejected, ApplyService } from './apply.service.js';

const MANIFEST = /\.(ya?ml|json)$/i;
const DEBOUNCE_MS = 300;

@Injectable()
export class ConfigDirService implements OnApplicationShutdown {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly apply: ApplyService,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async start(dir: string): Promise<void> {
    await this.load(dir);
    this.watcher = watch(dir, () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.load(dir), DEBOUNCE_MS);
    });
  }

  onApplicationShutdown(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
  }

  /** The folder is one batch: all its files valid, or none of them applied. */
  private async load(dir: string): Promise<void> {
    try {
      const files = (await readdir(dir)).filter((f) => MANIFEST.test(f)).sort();
      const texts = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
      const text = texts.map((t) => `---\n${t}\n`).join('');
      const result = await this.apply.applyText(text, {
        source: 'dir',
        origin: dir,
        author: `folder ${dir}`,
        prune: true,
      });
      this.log.info(
        { dir, files: files.length, revision: result.revision },
        'config folder applied',
      );
    } catch (err) {
      const reason =
        err instanceof ApplyRejected ? formatErrors(err.errors) : (err as Error).message;
      this.log.error({ dir, reason }, 'config folder not applied; the previous config stays');
    }
  }
}
