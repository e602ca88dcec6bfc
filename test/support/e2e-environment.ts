// Jest environment of the e2e tests: Node's, plus the temporary folders of the test file
// (scratch-dir.ts), removed once every test passed, kept and named when one failed.
import { rm } from 'node:fs/promises';
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import type { Circus } from '@jest/types';
import { TestEnvironment } from 'jest-environment-node';
import { SCRATCH_DIRS } from './scratch-dir.js';

export default class E2eEnvironment extends TestEnvironment {
  private readonly dirs: string[] = [];
  private failed = false;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    (this.global as { [SCRATCH_DIRS]?: string[] })[SCRATCH_DIRS] = this.dirs;
  }

  handleTestEvent(event: Circus.Event, state: Circus.State): void {
    const failed =
      (event.name === 'test_done' && event.test.errors.length > 0) ||
      event.name === 'hook_failure' ||
      (event.name === 'run_finish' && state.unhandledErrors.length > 0);
    if (failed) this.failed = true;
  }

  override async teardown(): Promise<void> {
    if (this.failed && this.dirs.length > 0) {
      process.stderr.write(
        `[e2e] a test failed: its files (process logs, configs, stores) are kept in\n` +
          this.dirs.map((dir) => `  ${dir}\n`).join(''),
      );
    } else {
      await Promise.all(this.dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    }
    await super.teardown();
  }
}
