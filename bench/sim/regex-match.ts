// Bench process: one whole-value regex match per engine on route-like patterns: V8's backtracking
// engine (what routes used before), re2js (what Weft uses), and the `re2` addon and `re2-wasm` when
// installed beside (`npm install --no-save re2 re2-wasm`; they are not dependencies). Prints one JSON line.
import { createRequire } from 'node:module';
import { compileWholeMatch } from '@app/protocol';

interface Engine {
  readonly name: string;
  compile(pattern: string): { matches(value: string): boolean };
}

const require = createRequire(import.meta.url);
/** An optional engine, or undefined when it is not installed. */
function optional(name: string, load: () => Engine['compile']): Engine | undefined {
  try {
    return { name, compile: load() };
  } catch {
    return undefined;
  }
}

const anchored = (p: string) => `^(?:${p})$`;
const v8: Engine = {
  name: 'v8',
  compile: (p) => {
    const re = new RegExp(anchored(p));
    return { matches: (v) => re.test(v) };
  },
};
const engines: Engine[] = [
  v8,
  { name: 're2js', compile: compileWholeMatch },
  optional('re2-addon', () => {
    const RE2 = require('re2') as new (p: string) => RegExp;
    return (p) => {
      const re = new RE2(anchored(p));
      return { matches: (v) => re.test(v) };
    };
  }),
  optional('re2-wasm', () => {
    const { RE2 } = require('re2-wasm') as { RE2: new (p: string, f: string) => RegExp };
    return (p) => {
      const re = new RE2(anchored(p), 'u');
      return { matches: (v) => re.test(v) };
    };
  }),
].filter((e): e is Engine => e !== undefined);

/** [pattern, value]: typical route regexes, and the ReDoS one V8 cannot be given. */
const CASES: [string, string, boolean][] = [
  ['/api/v[0-9]+/users/[^/]+', '/api/v2/users/alice', false],
  ['[a-z]+-(canary|stable)', 'reviews-canary', false],
  ['/(a+)+b', `/${'a'.repeat(29)}!`, true],
];
const RUNS = Number(process.env.RUNS ?? '200000');

const rows = CASES.map(([pattern, value, redos]) => {
  const ns: Record<string, number | null> = {};
  for (const engine of engines) {
    // 29 a's take V8 several seconds per match (2^29 steps): not measured, shown as null.
    if (redos && engine.name === 'v8') {
      ns[engine.name] = null;
      continue;
    }
    const re = engine.compile(pattern);
    let best = Infinity;
    for (let r = 0; r < 3; r++) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < RUNS; i++) re.matches(value);
      best = Math.min(best, Number(process.hrtime.bigint() - start) / RUNS);
    }
    ns[engine.name] = best;
  }
  return { pattern, value: value.length > 24 ? `${value.slice(0, 12)}…` : value, ns };
});
console.log(JSON.stringify({ engines: engines.map((e) => e.name), rows }));
