// Summarizes V8 .cpuprofile files (node --cpu-prof): where self time goes, by function and by
// module (npm package, node internals or Weft's own bundle), idle time left out.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const TOP = 15;
const IDLE = new Set(['(idle)']);

/** Which part of the program a script URL belongs to. */
function moduleOf(url) {
  if (!url) return '(native bindings, GC, V8)';
  if (url.startsWith('wasm://')) return '(wasm: undici llhttp parser)';
  if (url.startsWith('node:')) {
    const [first, second] = url.slice(5).split('/');
    return first === 'internal' && second ? `node:internal/${second}` : `node:${first}`;
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const app = /dist\/apps\/([^/]+)\//.exec(url);
  return app ? `weft (dist/apps/${app[1]})` : url;
}

/**
 * Self milliseconds per profile node id, from the samples and their time deltas; with `after`,
 * only from the first sample taken inside a function of that name on (start-up left out).
 */
function selfTimes(profile, after) {
  const self = new Map();
  let first = 0;
  if (after) {
    const inside = new Set();
    const visit = (id, within) => {
      const node = byId.get(id);
      const now = within || node.callFrame.functionName === after;
      if (now) inside.add(id);
      for (const child of node.children ?? []) visit(child, now);
    };
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    visit(profile.nodes[0].id, false);
    first = Math.max(
      0,
      profile.samples.findIndex((id) => inside.has(id)),
    );
  }
  for (let i = first; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + profile.timeDeltas[i] / 1000);
  }
  return self;
}

/**
 * Top functions and modules by self time over every .cpuprofile in `dir` (`top` of each); with
 * `after`, from the first sample inside a function of that name on (see selfTimes).
 */
export function summarizeProfiles(dir, { after, top: count = TOP } = {}) {
  const byFunction = new Map();
  const byModule = new Map();
  let total = 0;
  const add = (map, key, ms) => map.set(key, (map.get(key) ?? 0) + ms);
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const self = selfTimes(profile, after);
    for (const node of profile.nodes) {
      const ms = self.get(node.id) ?? 0;
      const { functionName, url, lineNumber } = node.callFrame;
      if (!ms || IDLE.has(functionName)) continue;
      total += ms;
      const where = url
        ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}:${lineNumber + 1}`
        : '';
      add(byFunction, `${functionName || '(anonymous)'} ${where}`.trim(), ms);
      add(byModule, moduleOf(url), ms);
    }
  }
  const top = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, ms]) => ({
        name,
        selfMs: Math.round(ms),
        share: Math.round((ms / total) * 1000) / 10,
      }));
  return { totalMs: Math.round(total), functions: top(byFunction), modules: top(byModule) };
}

/** The summary as indented text lines. */
export function renderProfile({ totalMs, functions, modules }) {
  const list = (items) =>
    items.map(({ name, share }) => `    ${String(share).padStart(5)}%  ${name}`);
  return [
    `  ${totalMs} ms of non-idle CPU sampled; self time by module:`,
    ...list(modules),
    '  by function:',
    ...list(functions),
  ].join('\n');
}
