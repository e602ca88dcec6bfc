#!/usr/bin/env node
// The `weft` command (package.json "bin"): runs the built CLI, or says how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/apps/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    `weft: the CLI is not built (${fileURLToPath(main)} is missing); run \`npm run build\` or \`npx nest build cli\`\n`,
  );
  process.exit(1);
}
await import(main.href);
