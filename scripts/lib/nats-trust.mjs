// The mesh's NATS trust for the example scripts, made as an operator would: `weft nats-config` into
// the run's state folder, nats-server started on its config, and `weft token create` for each
// proxy's identity. With NATS_URL set, the user's server is used as it is (no credentials made).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const run = promisify(execFile);
const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/apps/cli/main.js');

/** `weft <args>` with the built CLI; throws its stderr on failure. */
async function weft(args) {
  try {
    const { stdout } = await run(process.execPath, [CLI, ...args]);
    return stdout;
  } catch (err) {
    throw new Error(`weft ${args.join(' ')} failed: ${err.stderr?.trim() || err.message}`);
  }
}

export class NatsTrust {
  /** Tokens are minted one after another: each writes the folder's token list. */
  chain = Promise.resolve();
  minted = 0;

  constructor(dir) {
    this.dir = dir;
  }

  /** Generates the trust in `dir` (keys, accounts, server config, control-plane creds). */
  static async generate(dir) {
    await weft(['nats-config', '--out', dir]);
    return new NatsTrust(dir);
  }

  /**
   * `weft nats-config --cluster NAME` from this trust: the config of cluster NAME's server (its own
   * JetStream domain and store, a leaf-node listener, a leaf-node link to each of `links`); its path.
   */
  async clusterConfig(name, { listen, leafnodeListen, storeDir, links = [] }) {
    const args = ['nats-config', '--out', this.dir, '--cluster', name, '--listen', listen];
    args.push('--leafnode-listen', leafnodeListen, '--store-dir', storeDir);
    for (const link of links) args.push('--link', link);
    await weft(args);
    return join(this.dir, `cluster-${name}.conf`);
  }

  /**
   * `weft nats-config --site NAME` from this trust: the config of a site's server, linked to its
   * cluster's leaf-node listener `link` as the site's own user (`weft token create --role site-link`,
   * entitled to exactly `workloads`, each `ns/service`); its path.
   */
  async siteConfig(name, { listen, link, workloads }) {
    const creds = join(this.dir, `site-${name}.creds`);
    const token = ['token', 'create', '--auth-dir', this.dir, '--role', 'site-link', '-o', creds];
    for (const w of workloads) token.push('--workload', w);
    const minted = this.chain.then(() => weft(token));
    this.chain = minted.catch(() => undefined);
    await minted;
    await weft([
      'nats-config',
      '--out',
      this.dir,
      '--site',
      name,
      '--listen',
      listen,
      '--link',
      link,
      '--site-credentials',
      creds,
    ]);
    return join(this.dir, `site-${name}.conf`);
  }

  get serverConfig() {
    return join(this.dir, 'nats-server.conf');
  }

  /**
   * The control plane's own user, the system user (crash advisories), and the key that seals the
   * mesh CA (so the CA is on: every proxy gets a workload certificate and speaks mTLS).
   */
  controlPlaneEnv() {
    return {
      WEFT_NATS_CREDS: join(this.dir, 'control-plane.creds'),
      WEFT_NATS_SYSTEM_CREDS: join(this.dir, 'system.creds'),
      WEFT_CA_ENCRYPTION_KEY_FILE: join(this.dir, 'ca-encryption.key'),
    };
  }

  /** `WEFT_NATS_CREDS` for the weft CLI's bus commands (check, tap, events): a read-only token. */
  cliEnv() {
    const file = join(this.dir, 'cli-read.creds');
    const args = ['token', 'create', '--auth-dir', this.dir, '--role', 'cli-read'];
    const minted = this.chain.then(() => weft([...args, '--name', 'demo', '-o', file]));
    this.chain = minted.catch(() => undefined);
    return minted.then(() => ({ WEFT_NATS_CREDS: file }));
  }

  /**
   * `WEFT_NATS_CREDS` for a proxy: a token entitled to exactly its identity. `workloadsFile`: a node
   * proxy's workload list, each workload entitled too.
   */
  proxyEnv({ role = 'proxy', namespace = 'default', service, workloadsFile }) {
    const file = join(this.dir, `token-${++this.minted}-${service}.creds`);
    const args = ['token', 'create', '--auth-dir', this.dir, '--role', role];
    args.push('--namespace', namespace, '--service', service, '-o', file);
    if (workloadsFile) {
      for (const w of parse(readFileSync(workloadsFile, 'utf8'))) {
        const sa = w.serviceAccount ?? w.service;
        args.push('--workload', `${w.namespace ?? namespace}/${w.service}/${sa}`);
      }
    }
    const minted = this.chain.then(() => weft(args));
    this.chain = minted.catch(() => undefined);
    return minted.then(() => ({ WEFT_NATS_CREDS: file }));
  }
}
