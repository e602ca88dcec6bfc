// `weft token create|list|revoke`: NATS users for the mesh's components and people, minted offline
// in the folder `weft nats-config` made; a revocation is pushed to the servers at once.
import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { DNS_LABEL } from '@app/protocol/validation/names.js';
import type { Entitlement, WorkloadIdentity } from '@app/protocol/nats-permissions.js';
import { CliError, messageOf } from './cli-error.js';
import { defaultNatsUrl, natsAuthDir } from './defaults.js';
import { AuthDir, isRole, SYSTEM_CREDS } from './nats-auth/auth-dir.js';
import { connectOnce } from './nats-probe.js';
import { ago, formatTable, NONE, out } from './output.js';

/** Where nats-server takes account JWT updates from a system-account user. */
const CLAIMS_UPDATE = '$SYS.REQ.CLAIMS.UPDATE';
const PUSH_TIMEOUT_MS = 5_000;

interface AuthOptions {
  readonly authDir?: string;
}

interface CreateOptions extends AuthOptions {
  readonly role: string;
  readonly namespace?: string;
  readonly service?: string;
  readonly serviceAccount?: string;
  readonly workload: string[];
  readonly name?: string;
  readonly output?: string;
}

export function tokenCommand(): Command {
  const authDir = new Option(
    '--auth-dir <dir>',
    'the folder `weft nats-config` wrote (env: WEFT_NATS_AUTH_DIR)',
  ).default(natsAuthDir());
  return new Command('token')
    .description(
      'NATS credentials for mesh components and CLI users (offline, with the auth folder)',
    )
    .addCommand(
      new Command('create')
        .description('mint a .creds file entitled to exactly one identity')
        .addOption(authDir)
        .addOption(
          new Option('--role <role>', 'what the user is for')
            .choices(['proxy', 'node', 'router', 'cli-read', 'cli-admin', 'site-link'])
            .default('proxy'),
        )
        .option('--namespace <ns>', 'the workload namespace (proxy, node, router)')
        .option('--service <name>', 'the workload Service (proxy, node, router)')
        .option('--service-account <sa>', 'who the workload runs as (default: the service name)')
        .option(
          '--workload <ns/service[/sa]>',
          'node: a workload the node proxy fronts (repeat for each; none: only its outbound); site-link: one the site runs',
          (value: string, list: string[]) => [...list, value],
          [],
        )
        .option('--name <name>', 'cli-read/cli-admin: who the token is for (a DNS label)')
        .option('-o, --output <file>', 'write the .creds file here (mode 0600) instead of stdout')
        .exitOverride()
        .action(async (opts: CreateOptions) => {
          const auth = await open(opts);
          const entitlement = entitlementOf(opts);
          const { record, creds } = await auth.mint(entitlement);
          if (opts.output) {
            await writeFile(opts.output, creds, { mode: 0o600 });
            out(`token ${record.id} (${record.name}) written to ${opts.output}`);
          } else process.stdout.write(creds);
        }),
    )
    .addCommand(
      new Command('list')
        .description('the tokens minted in the auth folder')
        .addOption(authDir)
        .exitOverride()
        .action(async (opts: AuthOptions) => {
          const auth = await open(opts);
          const rows = auth
            .tokens()
            .map((t) => [
              t.id,
              t.entitlement.role,
              t.name,
              auth.principalOf(t.entitlement) ?? NONE,
              ago(t.created),
              t.revoked ? `revoked ${ago(t.revoked)}` : 'active',
            ]);
          for (const line of formatTable(
            ['ID', 'ROLE', 'NAME', 'IDENTITY', 'CREATED', 'STATUS'],
            rows,
          ))
            out(line);
        }),
    )
    .addCommand(
      new Command('revoke')
        .description('revoke a token: the servers disconnect its user and refuse it from now on')
        .argument('<id>', 'the token id (user public key) or name')
        .addOption(authDir)
        .option('--nats <url>', 'NATS server(s) to push the revocation to (default: $NATS_URL)')
        .option('--no-push', 'only record it in the folder (push later by revoking again)')
        .exitOverride()
        .action(async (id: string, opts: AuthOptions & { nats?: string; push: boolean }) => {
          const auth = await open(opts);
          const { record, accountJwt } = await auth.revoke(id).catch((err: unknown) => {
            throw new CliError(messageOf(err));
          });
          out(`revoked ${record.id} (${record.name}) in ${auth.dir}`);
          if (!opts.push) return;
          const url = opts.nats ?? defaultNatsUrl();
          await push(url, auth.path(SYSTEM_CREDS), accountJwt).catch((err: unknown) => {
            throw new CliError(
              `recorded, but not pushed to NATS at ${url}: ${messageOf(err)}; run the same command again to push it`,
            );
          });
          out(`pushed to ${url}: its connections are closed and it cannot reconnect`);
        }),
    );
}

async function open(opts: AuthOptions): Promise<AuthDir> {
  if (!opts.authDir) throw new CliError('--auth-dir (or WEFT_NATS_AUTH_DIR) is required');
  return AuthDir.open(opts.authDir).catch((err: unknown) => {
    throw new CliError(messageOf(err));
  });
}

/** The entitlement the options ask for; throws naming the option that is wrong. */
export function entitlementOf(
  opts: Omit<CreateOptions, keyof AuthOptions | 'output'>,
): Entitlement {
  const role = opts.role;
  if (!isRole(role) || role === 'control-plane') throw new CliError(`--role ${role}: not a role`);
  if (role === 'cli-read' || role === 'cli-admin') {
    if (!opts.name || !DNS_LABEL.test(opts.name)) {
      throw new CliError(`--name is required for ${role}: a DNS label naming who the token is for`);
    }
    return { role, name: opts.name };
  }
  const workloads = opts.workload.map((w) => {
    const [namespace, service, serviceAccount, extra] = w.split('/');
    if (extra !== undefined) throw new CliError(`--workload ${w}: must be ns/service[/sa]`);
    return identityOf(namespace, service, serviceAccount, `--workload ${w}: `);
  });
  if (role === 'site-link') {
    if (workloads.length === 0)
      throw new CliError('--workload is required for site-link: each workload the site runs');
    return { role, workloads };
  }
  const identity = identityOf(opts.namespace, opts.service, opts.serviceAccount, '--');
  if (role !== 'node') {
    if (workloads.length > 0)
      throw new CliError('--workload is for --role node and site-link only');
    return { role, identity };
  }
  return { role, identity, workloads };
}

function identityOf(
  namespace: string | undefined,
  service: string | undefined,
  serviceAccount: string | undefined,
  where: string,
): WorkloadIdentity {
  const parts = { namespace, service, 'service-account': serviceAccount ?? service };
  for (const [field, value] of Object.entries(parts)) {
    if (!value || !DNS_LABEL.test(value)) {
      const name = where === '--' ? `--${field}` : `${where}${field}`;
      throw new CliError(`${name} must be a lower-case DNS label (a-z, 0-9, "-")`);
    }
  }
  return { namespace: namespace!, service: service!, serviceAccount: serviceAccount ?? service! };
}

/** Sends the re-signed account JWT to every server, as the system account's user. */
async function push(url: string, systemCreds: string, accountJwt: string): Promise<void> {
  const nc = await connectOnce(url, systemCreds);
  try {
    const reply = await nc.request(CLAIMS_UPDATE, accountJwt, { timeout: PUSH_TIMEOUT_MS });
    const answer = reply.json<{ error?: { description?: string } }>();
    if (answer.error) throw new Error(answer.error.description ?? JSON.stringify(answer.error));
  } finally {
    await nc.close();
  }
}
