#!/usr/bin/env node
// The container image's entry point: `control-plane`, `sidecar` or `router` runs that app; `cli …` runs `weft …`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const APPS = ['control-plane', 'sidecar', 'router'];
const USAGE = 'usage: <image> control-plane | sidecar | router | cli [weft arguments…]';

const [, , entry, ...rest] = process.argv;
const app = entry === 'cli' ? 'cli' : APPS.includes(entry ?? '') ? entry : undefined;
if (app === undefined) {
  process.stderr.write(
    `weft: ${entry === undefined ? 'no entry named' : `unknown entry "${entry}"`}\n${USAGE}\n`,
  );
  process.exit(2);
}
const main = new URL(`../dist/apps/${app}/main.js`, import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    `weft: ${fileURLToPath(main)} is missing: the image was built without \`npm run build\`\n`,
  );
  process.exit(1);
}
// The CLI parses process.argv as `node <script> <args>`: drop the entry's name so it sees `weft <args>`.
process.argv.splice(2, 1);
if (app !== 'cli' && rest.length > 0) {
  process.stderr.write(`weft: ${app} takes no arguments (configure it with its environment)\n`);
  process.exit(2);
}
await import(main.href);
