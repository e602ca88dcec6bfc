// Finds the external programs the bench drives (wrk, nginx, haproxy, nats-server), installing
// missing ones with apt-get when possible, and reports their versions.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const SEARCH_DIRS = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
const APT_TIMEOUT_MS = 5 * 60_000;

/** Absolute path of an executable on PATH or in the sbin directories, or undefined. */
function which(binary) {
  for (const dir of SEARCH_DIRS.filter(Boolean)) {
    try {
      accessSync(join(dir, binary), constants.X_OK);
      return join(dir, binary);
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * `{path}` of `binary`, installing Debian package `aptPackage` first when it is missing; `{note}`
 * saying why when it cannot be had (no apt, no root, no network to the mirror…).
 */
export function ensureTool(binary, aptPackage, log) {
  const found = which(binary);
  if (found) return { path: found };
  if (!which('apt-get')) return { note: `${binary} missing and apt-get unavailable` };
  log(`${binary} missing: apt-get install -y ${aptPackage}…`);
  const apt = (args) =>
    execFileSync('apt-get', args, {
      stdio: 'ignore',
      timeout: APT_TIMEOUT_MS,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  try {
    apt(['install', '-y', aptPackage]);
  } catch {
    try {
      apt(['update']);
      apt(['install', '-y', aptPackage]);
    } catch (err) {
      return {
        note: `${binary} missing and apt-get install ${aptPackage} failed (${err.message})`,
      };
    }
  }
  const installed = which(binary);
  return installed ? { path: installed } : { note: `${aptPackage} installed no ${binary}` };
}

/** The first match of `pattern` in `path args…`'s stdout and stderr (nginx -v prints to stderr). */
export function toolVersion(path, args, pattern) {
  const { stdout = '', stderr = '' } = spawnSync(path, args, { encoding: 'utf8' });
  return pattern.exec(`${stdout}${stderr}`)?.[0];
}
