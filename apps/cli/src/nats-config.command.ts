// `weft nats-config --out DIR`: generates the mesh's NATS trust offline (operator, accounts, the
// nats-server include file, the control plane's, system user's and cluster link's creds, the key
// that seals the mesh CA). Idempotent. With `--cluster` or `--site`, also the config of one server
// of a multi-cluster mesh (docs/multi-cluster.md).
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import {
  DEFAULT_TRUST_DOMAIN,
  TRUST_DOMAIN,
  TRUST_DOMAIN_MESSAGE,
} from '@app/protocol/identity/spiffe-id.js';
import { SUBJECT_TOKEN } from '@app/protocol/subjects.js';
import { CliError, messageOf } from './cli-error.js';
import { subjectPrefix } from './defaults.js';
import {
  AuthDir,
  CA_ENCRYPTION_KEY_FILE,
  CLUSTER_LINK_CREDS,
  CONTROL_PLANE_CREDS,
  SERVER_CONFIG_FILE,
  SYSTEM_CREDS,
} from './nats-auth/auth-dir.js';
import {
  clusterServerConfig,
  clusterSettingsErrors,
  siteServerConfig,
  siteSettingsErrors,
  type MeshTrust,
} from './nats-auth/nats-topology.js';
import { out } from './output.js';

interface NatsConfigOptions {
  readonly out: string;
  readonly subjectPrefix: string;
  readonly trustDomain: string;
  readonly cluster?: string;
  readonly site?: string;
  readonly serverName?: string;
  readonly listen?: string;
  readonly leafnodeListen: string;
  readonly jetstreamDomain?: string;
  readonly storeDir?: string;
  readonly link: string[];
  readonly siteCredentials?: string;
  readonly route: string[];
  readonly clusterListen?: string;
}

const repeat = (value: string, list: string[]): string[] => [...list, value];

export function natsConfigCommand(): Command {
  return new Command('nats-config')
    .description(
      'generate the NATS trust of a mesh (operator mode): keys, accounts, nats-server config, control-plane creds',
    )
    .requiredOption(
      '--out <dir>',
      'folder to write (kept: running it again never rotates the keys)',
    )
    .option(
      '--subject-prefix <prefix>',
      'subject prefix (env: WEFT_SUBJECT_PREFIX)',
      subjectPrefix(),
    )
    .option(
      '--trust-domain <domain>',
      'SPIFFE trust domain (env: WEFT_TRUST_DOMAIN)',
      process.env.WEFT_TRUST_DOMAIN || DEFAULT_TRUST_DOMAIN,
    )
    .addOption(
      new Option(
        '--cluster <name>',
        'also write the config of a server of this cluster (<out>/cluster-<name>.conf)',
      ).conflicts('site'),
    )
    .option(
      '--site <name>',
      'also write the config of a site joining a cluster (<out>/site-<name>.conf)',
    )
    .option('--server-name <name>', 'the server name (default: the cluster or site name)')
    .option('--listen <host:port>', 'client listener (cluster: 0.0.0.0:4222, site: 127.0.0.1:4222)')
    .option(
      '--leafnode-listen <host:port>',
      'cluster: where links and sites connect',
      '0.0.0.0:7422',
    )
    .option(
      '--jetstream-domain <domain>',
      'cluster: its domain (default: its name); site: none unless set',
    )
    .option(
      '--store-dir <dir>',
      "the server's JetStream and resolver state (default: <out>/state-<name>)",
    )
    .option(
      '--link <url>',
      "cluster: another cluster's leaf-node listener to link to; site: its cluster's (repeatable)",
      repeat,
      [],
    )
    .option(
      '--site-credentials <file>',
      "site: the site's own .creds (weft token create --role node …)",
    )
    .option(
      '--route <url>',
      'cluster: another server of the same NATS cluster (repeatable)',
      repeat,
      [],
    )
    .option('--cluster-listen <host:port>', 'cluster: the route listener, with --route')
    .action(async (opts: NatsConfigOptions) => {
      if (!SUBJECT_TOKEN.test(opts.subjectPrefix)) {
        throw new CliError(`--subject-prefix ${opts.subjectPrefix}: must be one subject token`);
      }
      if (!TRUST_DOMAIN.test(opts.trustDomain)) {
        throw new CliError(`--trust-domain ${opts.trustDomain}: ${TRUST_DOMAIN_MESSAGE}`);
      }
      const server = serverRequest(opts);
      const { auth, created } = await AuthDir.init(opts.out, {
        subjectPrefix: opts.subjectPrefix,
        trustDomain: opts.trustDomain,
      }).catch((err: unknown) => {
        throw new CliError(messageOf(err));
      });
      out(`${created ? 'created' : 'updated (keys kept)'} the NATS trust in ${auth.dir}`);
      out(`  nats-server -js -c ${auth.path(SERVER_CONFIG_FILE)}`);
      out(`  control plane: WEFT_NATS_CREDS=${auth.path(CONTROL_PLANE_CREDS)} \\`);
      out(`                 WEFT_NATS_SYSTEM_CREDS=${auth.path(SYSTEM_CREDS)} \\`);
      out(`                 WEFT_CA_ENCRYPTION_KEY_FILE=${auth.path(CA_ENCRYPTION_KEY_FILE)}`);
      out(
        `  a proxy:       weft token create --auth-dir ${auth.dir} --namespace N --service S -o s.creds`,
      );
      if (!server) return;
      const { file, text } = await server({
        serverConfig: (resolverDir) => auth.serverConfig(resolverDir),
        account: auth.account,
      });
      await writeFile(file, text);
      out(`  this server:   nats-server -c ${file}`);
    });
}

/** The server config `--cluster` or `--site` asks for, checked before anything is written. */
function serverRequest(
  opts: NatsConfigOptions,
): ((trust: MeshTrust) => Promise<{ file: string; text: string }>) | undefined {
  const dir = resolve(opts.out);
  const storeDir = (name: string): string => resolve(opts.storeDir ?? join(dir, `state-${name}`));
  if (opts.cluster !== undefined) {
    const cluster = opts.cluster;
    const settings = {
      cluster,
      serverName: opts.serverName ?? cluster,
      listen: opts.listen ?? '0.0.0.0:4222',
      leafnodeListen: opts.leafnodeListen,
      jetstreamDomain: opts.jetstreamDomain ?? cluster,
      storeDir: storeDir(cluster),
      links: opts.link,
      linkCredentials: join(dir, CLUSTER_LINK_CREDS),
      routes: opts.route,
      clusterListen: opts.clusterListen,
    };
    const errors = clusterSettingsErrors(settings);
    if (errors.length > 0) throw new CliError(errors.join('\n'));
    return async (trust) => ({
      file: join(dir, `cluster-${cluster}.conf`),
      text: await clusterServerConfig(settings, trust),
    });
  }
  if (opts.site === undefined) return undefined;
  const site = opts.site;
  if (opts.siteCredentials === undefined)
    throw new CliError("--site needs --site-credentials (the site's own .creds)");
  const settings = {
    site,
    serverName: opts.serverName ?? site,
    listen: opts.listen ?? '127.0.0.1:4222',
    storeDir: storeDir(site),
    links: opts.link,
    credentials: resolve(opts.siteCredentials),
    jetstreamDomain: opts.jetstreamDomain,
  };
  const errors = siteSettingsErrors(settings);
  if (errors.length > 0) throw new CliError(errors.join('\n'));
  return async (trust) => ({
    file: join(dir, `site-${site}.conf`),
    text: await siteServerConfig(settings, trust),
  });
}
