// Jest globalSetup for the e2e project: the suite runs the built apps, so they must exist; the NATS
// backend is chosen here, once for every test file.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { GlobalConfig, ProjectConfig } from 'jest';
import { pinNatsBackend } from './nats-backend.js';

const REQUIRED = ['dist/apps/control-plane/main.js', 'dist/apps/sidecar/main.js'];

export default async function globalSetup(
  _globalConfig: GlobalConfig,
  projectConfig: ProjectConfig,
): Promise<void> {
  // Resolve against the project root, not the cwd: jest may be started from anywhere.
  const missing = REQUIRED.filter((file) => !existsSync(resolve(projectConfig.rootDir, file)));
  if (missing.length > 0) {
    throw new Error(
      `The e2e tests start the built apps, but ${missing.join(' and ')} not found: run \`npm run build\` first.`,
    );
  }
  await pinNatsBackend();
}
