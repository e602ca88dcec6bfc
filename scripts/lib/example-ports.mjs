// The examples' fixed ports and WEFT_EXAMPLE_PORTS, which moves them (`8080=18080,15000=25000`):
// a script then listens where the map says and hands its proxies a copy of the YAML changed alike.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isScalar, parseAllDocuments, visit } from 'yaml';
import { isPortFree } from '../find-nats.mjs';
import { ExampleError, ROOT, warn } from './example-run.mjs';

export const PORTS_VAR = 'WEFT_EXAMPLE_PORTS';
/** YAML keys that hold a port: endpoints, listeners, redirects, node workloads. */
const PORT_KEYS = new Set(['port', 'appPort', 'inboundPort']);
const MANIFEST = /\.(ya?ml|json)$/;

let parsed;

/** WEFT_EXAMPLE_PORTS as a map from a README's port to the one used; an invalid value stops here. */
export function portMap() {
  if (parsed) return parsed;
  parsed = new Map();
  for (const entry of (process.env[PORTS_VAR] ?? '').split(',').map((s) => s.trim())) {
    if (!entry) continue;
    const [from, to] = (/^(\d+)=(\d+)$/.exec(entry) ?? []).slice(1).map(Number);
    if (!isPort(from) || !isPort(to)) {
      // Read once, before anything starts: a bad value stops the script like a bad env var.
      warn(`${PORTS_VAR}: "${entry}" is not <README port>=<port>, both 1 to 65535`);
      process.exit(1);
    }
    parsed.set(from, to);
  }
  return parsed;
}

const isPort = (n) => Number.isInteger(n) && n >= 1 && n <= 65535;

/** The port to use where the example's README and YAML say `readmePort`. */
export const port = (readmePort) => portMap().get(readmePort) ?? readmePort;

/** Stops early, naming the ports something else holds and how to move them. */
export async function requireFreePorts(ports) {
  const busy = [];
  for (const p of ports) if (!(await isPortFree(p))) busy.push(p);
  if (busy.length > 0) {
    throw new ExampleError(
      `port${busy.length > 1 ? 's' : ''} ${busy.join(', ')} in use: stop what holds them and run ` +
        `it again, or move this example's fixed ports with ${PORTS_VAR}=<README port>=<port>,…`,
    );
  }
}

/** YAML text with every port the map moves changed; comments and layout stay as they were. */
export function remapPorts(text) {
  const map = portMap();
  if (map.size === 0) return text;
  const docs = parseAllDocuments(text);
  // Not YAML: handed on unchanged, for the proxy or control plane to report with its field path.
  if (!Array.isArray(docs) || docs.some((d) => d.errors.length > 0)) return text;
  for (const doc of docs) {
    visit(doc, {
      Pair(_, pair) {
        const [key, value] = [pair.key, pair.value];
        if (isScalar(key) && PORT_KEYS.has(key.value) && isScalar(value) && map.has(value.value)) {
          value.value = map.get(value.value);
        }
      },
    });
  }
  return docs.map((d) => d.toString()).join('');
}

/**
 * The folder of `dir` (relative to the repository) to hand a proxy: the example's own, or, when
 * ports move or `copy` asks for it, a copy in `dest` of its YAML (subfolders too) with the ports
 * moved.
 */
export function exampleFolder(dir, dest, copy = false) {
  const source = resolve(ROOT, dir);
  if (!copy && portMap().size === 0) return source;
  copyManifests(source, dest);
  return dest;
}

function copyManifests(source, dest) {
  mkdirSync(dest, { recursive: true });
  for (const entry of readdirSync(source, { withFileTypes: true })) {
    const [from, to] = [join(source, entry.name), join(dest, entry.name)];
    if (entry.isDirectory()) copyManifests(from, to);
    else if (MANIFEST.test(entry.name)) writeFileSync(to, remapPorts(readFileSync(from, 'utf8')));
  }
}
