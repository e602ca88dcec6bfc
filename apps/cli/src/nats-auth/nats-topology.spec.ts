import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  clusterServerConfig,
  clusterSettingsErrors,
  siteServerConfig,
  siteSettingsErrors,
  type ClusterServerSettings,
  type MeshTrust,
  type SiteServerSettings,
} from './nats-topology.js';

const run = promisify(execFile);

const ACCOUNT = 'A'.repeat(56);
const TRUST: MeshTrust = {
  serverConfig: (resolverDir) => Promise.resolve(`# trust, resolver in ${resolverDir}`),
  account: ACCOUNT,
};

const WEST: ClusterServerSettings = {
  cluster: 'west',
  serverName: 'west-1',
  listen: '0.0.0.0:4222',
  leafnodeListen: '0.0.0.0:7422',
  jetstreamDomain: 'west',
  storeDir: '/var/lib/nats',
  links: ['nats-leaf://10.0.0.1:7422'],
  linkCredentials: '/etc/weft/cluster-link.creds',
  routes: [],
};

const EDGE: SiteServerSettings = {
  site: 'edge-1',
  serverName: 'edge-1',
  listen: '127.0.0.1:4222',
  storeDir: '/var/lib/nats',
  links: ['nats-leaf://10.0.0.1:7422'],
  credentials: '/etc/weft/site.creds',
};

/** Whether nats-server is installed (its `-t` checks a config's syntax). */
async function natsServer(): Promise<boolean> {
  return run('nats-server', ['--version']).then(
    () => true,
    () => false,
  );
}

describe('cluster server config', () => {
  it('gives the cluster its own JetStream domain and state, a leaf-node listener and its links', async () => {
    const text = await clusterServerConfig(WEST, TRUST);
    expect(text).toContain('server_name: "west-1"');
    expect(text).toContain('# trust, resolver in /var/lib/nats/jwt');
    expect(text).toContain('jetstream { domain: west, store_dir: "/var/lib/nats/jetstream" }');
    expect(text).toContain('listen: "0.0.0.0:7422"');
    // The link binds the remote side to the WEFT account, as the cluster-link user.
    expect(text).toContain(
      `{ urls: ["nats-leaf://10.0.0.1:7422"], account: ${ACCOUNT}, credentials: "/etc/weft/cluster-link.creds" }`,
    );
    // No gateway: it would make one JetStream of every cluster it joins.
    expect(text).not.toContain('gateway');
    // One server, no routes: no cluster block (JetStream stays single-server).
    expect(text).not.toContain('cluster {');
  });

  it('writes no remotes for a cluster others link to, and a cluster block with routes', async () => {
    const hub = await clusterServerConfig(
      {
        ...WEST,
        links: [],
        routes: ['nats-route://10.0.0.2:6222'],
        clusterListen: '0.0.0.0:6222',
      },
      TRUST,
    );
    expect(hub).not.toContain('remotes');
    expect(hub).toContain('cluster {\n  name: west\n  listen: "0.0.0.0:6222"');
    expect(hub).toContain('routes: ["nats-route://10.0.0.2:6222"]');
  });

  it('refuses bad settings, naming the option and the reason', () => {
    expect(
      clusterSettingsErrors({
        ...WEST,
        cluster: 'West',
        listen: 'localhost',
        links: ['10.0.0.1:7422'],
        routes: ['nats-route://10.0.0.2:6222'],
      }),
    ).toEqual([
      '--cluster "West": must be a lower-case DNS label (a-z, 0-9, "-"; at most 63 characters)',
      '--listen "localhost": must be host:port',
      '--link "10.0.0.1:7422": must be a nats-leaf://host:port URL',
      '--route needs --cluster-listen (the route listener of this server)',
    ]);
    expect(clusterSettingsErrors(WEST)).toEqual([]);
  });
});

describe('site server config', () => {
  it('joins its cluster as a leaf node with its own credentials and no JetStream by default', async () => {
    const text = await siteServerConfig(EDGE, TRUST);
    expect(text).toContain(
      `{ urls: ["nats-leaf://10.0.0.1:7422"], account: ${ACCOUNT}, credentials: "/etc/weft/site.creds" }`,
    );
    expect(text).not.toContain('jetstream');
    // Outbound only: no listener for others.
    expect(text).not.toMatch(/leafnodes \{\n\s+listen/);
    const own = await siteServerConfig({ ...EDGE, jetstreamDomain: 'edge-1' }, TRUST);
    expect(own).toContain('jetstream { domain: edge-1');
  });

  it('needs the link to its cluster', () => {
    expect(siteSettingsErrors({ ...EDGE, links: [] })).toEqual([
      '--link: a site needs the leaf-node URL of its cluster',
    ]);
  });
});

describe('generated configs, checked by nats-server -t', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-topology-spec-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('are valid nats-server configs', async () => {
    if (!(await natsServer())) {
      console.warn('nats-server is not installed: the configs are not checked by it');
      return;
    }
    for (const [name, text] of [
      ['cluster.conf', await clusterServerConfig({ ...WEST, storeDir: dir }, TRUST)],
      ['site.conf', await siteServerConfig({ ...EDGE, storeDir: dir }, TRUST)],
    ]) {
      const file = join(dir, name);
      // The remote's account must be an account key nats-server knows of in real use; `-t` only
      // parses, so the placeholder is fine here.
      await writeFile(file, text);
      const { stderr, stdout } = await run('nats-server', ['-t', '-c', file]);
      expect(`${stdout}${stderr}`).toContain('is valid');
    }
  });
});
