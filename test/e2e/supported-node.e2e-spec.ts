// Every way a user starts Weft tells an unsupported Node.js one clear message and exits 1, before
// any dependency loads: the apps, the CLI, `npm run demo`, and each example script.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { unsupportedNodeMessage } from '../../libs/runtime/src/supported-node.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PRETEND_NODE_20 = new URL('../fixtures/node-version/pretend-node-20.mjs', import.meta.url)
  .href;
const OLD_VERSION = '20.19.0';
const EXIT_TIMEOUT_MS = 30_000;

/** Runs `command args` from the repository root with every Node.js process in it pretending to be 20. */
function runOnOldNode(command: string, args: readonly string[]) {
  const result = spawnSync(command, args, {
    cwd: ROOT,
    // NODE_OPTIONS reaches the Node.js processes npm starts too; jest's own options are not for them.
    env: { ...process.env, NODE_OPTIONS: `--import=${PRETEND_NODE_20}` },
    encoding: 'utf8',
    timeout: EXIT_TIMEOUT_MS,
  });
  return { status: result.status, stderr: result.stderr };
}

const expected = (program: string): string =>
  unsupportedNodeMessage(program, OLD_VERSION, process.platform, process.arch);

describe('an unsupported Node.js', () => {
  it.each([
    ['dist/apps/control-plane/main.js', 'weft control plane'],
    ['dist/apps/sidecar/main.js', 'weft sidecar'],
    ['dist/apps/router/main.js', 'weft router'],
    ['dist/apps/cli/main.js', 'weft'],
    ['bin/weft.js', 'weft'],
    ['scripts/demo.mjs', 'weft'],
    ['scripts/examples/edge.mjs', 'weft'],
    ['scripts/examples/multi-cluster.mjs', 'weft'],
    ['scripts/examples/node.mjs', 'weft'],
    ['scripts/examples/router-mesh.mjs', 'weft'],
    ['scripts/examples/standalone.mjs', 'weft'],
  ])('node %s: one message naming the supported versions, exit 1', (entry, program) => {
    const { status, stderr } = runOnOldNode(process.execPath, [entry]);
    expect(stderr).toBe(expected(program));
    expect(status).toBe(1);
  });

  it('npm run demo: the same message before anything is built', () => {
    const { status, stderr } = runOnOldNode('npm', ['run', 'demo']);
    expect(stderr).toBe(expected('weft'));
    expect(status).toBe(1);
  });
});
