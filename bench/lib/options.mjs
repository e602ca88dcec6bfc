// Command-line options of `npm run bench -- [options]`.
import { parseArgs } from 'node:util';
import { ROWS } from './rows.mjs';

export const USAGE = `usage: npm run bench -- [options]
  --duration S     seconds of each measurement (saturation and fixed rate), default 10
  --warmup S       seconds of unmeasured wrk load before each row's saturation run, default 3
  --rate N         requests per second of the fixed-rate latency run, default 2000
  --connections N  wrk connections for saturation, default 50
  --rows LIST      comma-separated rows to run, default all: ${ROWS.map((row) => row.id).join(',')}
                   (direct always runs: added latency and ratios are against it)
  --quiet-wait S   before each measurement, wait up to S seconds for other work on the machine to
                   stop (below 10% CPU), default 120; 0 disables
  --attempts N     measure a row up to N times while other work disturbs it (over 10% of a core
                   during saturation, 2% during the fixed rate), keeping the least disturbed
                   attempt, default 3
  --out NAME       results in bench/results/NAME.json and NAME.png, default latest
  --cpu-prof       run Weft sidecars under node --cpu-prof: profiles and summary.json in
                   bench/results/profiles/ (latest.* untouched: the profiler costs CPU), self
                   time by module and function printed
  -h, --help       this text`;

const positive = (name, text) => {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
};

const fileName = (text) => {
  if (!/^[\w-]+$/.test(text)) throw new Error('--out must be a name (letters, digits, - and _)');
  return text;
};

/** Parsed options; throws with a message naming the bad option. */
export function readOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      rate: { type: 'string', default: '2000' },
      connections: { type: 'string', default: '50' },
      rows: { type: 'string' },
      'quiet-wait': { type: 'string', default: '120' },
      attempts: { type: 'string', default: '3' },
      'cpu-prof': { type: 'boolean', default: false },
      out: { type: 'string', default: 'latest' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const known = new Set(ROWS.map((row) => row.id));
  const wanted = values.rows?.split(',').map((id) => id.trim()) ?? [...known];
  const unknown = wanted.filter((id) => !known.has(id));
  if (unknown.length) throw new Error(`unknown row(s): ${unknown.join(', ')}`);
  return {
    help: values.help,
    cpuProf: values['cpu-prof'],
    out: fileName(values.out),
    quietWait: Math.max(0, Math.round(Number(values['quiet-wait'])) || 0),
    attempts: Math.round(positive('attempts', values.attempts)),
    duration: Math.round(positive('duration', values.duration)),
    warmup: Math.round(Number(values.warmup)) || 0,
    rate: Math.round(positive('rate', values.rate)),
    connections: Math.round(positive('connections', values.connections)),
    rows: ROWS.filter((row) => row.id === 'direct' || wanted.includes(row.id)),
  };
}
