// The Node.js releases Weft runs on, and the one message any other Node.js gets.
// Plain JavaScript on purpose: the apps, the CLI and the demo scripts run it before anything else
// loads, on whatever Node.js the user has (tsconfig `allowJs` lets the apps import it).

/**
 * The LTS lines Node.js still maintains, each from the first release every dependency accepts
 * (`npm ci` warns below it). package.json "engines" spells the same list (a unit test holds them equal).
 * @type {ReadonlyArray<{ readonly major: number, readonly from: string, readonly orNewer: boolean }>}
 */
export const SUPPORTED_NODE_LINES = [
  { major: 22, from: '22.22.3', orNewer: false },
  { major: 24, from: '24.15.0', orNewer: true },
];

/**
 * The "engines.node" range of package.json for these lines.
 * @returns {string}
 */
export function nodeEnginesRange() {
  return SUPPORTED_NODE_LINES.map((line) => (line.orNewer ? '>=' : '^') + line.from).join(' || ');
}

/**
 * Whether a Node.js version (`process.versions.node`, e.g. "24.15.0") is on a supported line.
 * @param {string} version
 * @returns {boolean}
 */
export function isSupportedNode(version) {
  const actual = versionParts(version);
  return SUPPORTED_NODE_LINES.some((line) => {
    const from = versionParts(line.from);
    const onLine = line.orNewer ? actual[0] >= from[0] : actual[0] === from[0];
    return onLine && compareVersions(actual, from) >= 0;
  });
}

/**
 * What an unsupported Node gets: which versions run Weft and how to get one.
 * @param {string} program what refuses to start, e.g. "weft sidecar"
 * @param {string} version the running Node.js version
 * @param {string} platform `process.platform`
 * @param {string} arch `process.arch`
 * @returns {string}
 */
export function unsupportedNodeMessage(program, version, platform, arch) {
  const lines = [...SUPPORTED_NODE_LINES]
    .sort((a, b) => b.major - a.major)
    .map((line) => `${line.major} (${line.from} or newer)`)
    .join(' or ');
  const newest = Math.max(...SUPPORTED_NODE_LINES.map((line) => line.major));
  const message = [
    `${program}: Node.js ${version} is not supported. Weft runs on Node.js ${lines}, the LTS lines Node.js still maintains.`,
    `Install one from https://nodejs.org/en/download (or with a version manager: nvm install ${newest}).`,
  ];
  // The npm registry ships the Node.js binary itself as node-<platform>-<arch>: no other download.
  if (platform === 'linux' || platform === 'darwin') {
    const pkg = `node-${platform}-${arch}`;
    message.push(
      'Or with npm alone:',
      `  npm install --prefix ~/.weft-node ${pkg}@${newest}`,
      `  export PATH="$HOME/.weft-node/node_modules/${pkg}/bin:$PATH"`,
    );
  }
  return message.join('\n') + '\n';
}

/**
 * Ends the process with that message unless this Node.js is supported.
 * @param {string} program what refuses to start, e.g. "weft sidecar"
 * @returns {void}
 */
export function exitUnlessSupportedNode(program) {
  const version = process.versions.node;
  if (isSupportedNode(version)) return;
  process.stderr.write(unsupportedNodeMessage(program, version, process.platform, process.arch));
  process.exit(1);
}

/** @param {string} version @returns {number[]} */
function versionParts(version) {
  return version.split('.').map((part) => Number.parseInt(part, 10) || 0);
}

/** @param {number[]} a @param {number[]} b @returns {number} */
function compareVersions(a, b) {
  for (let i = 0; i < 3; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
