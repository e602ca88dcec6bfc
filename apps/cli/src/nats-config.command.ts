// `weft nats-config --out DIR`: generates the mesh's NATS trust offline (operator, accounts, the
// nats-server include file, the control plane's and system user's creds, the key that seals the mesh
// CA). Idempotent.
import { Command } from 'commander';
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
  CONTROL_PLANE_CREDS,
  SERVER_CONFIG_FILE,
  SYSTEM_CREDS,
} from './nats-auth/auth-dir.js';
import { out } from './output.js';

interface NatsConfigOptions {
  readonly out: string;
  readonly subjectPrefix: string;
  readonly trustDomain: string;
}

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
    .action(async (opts: NatsConfigOptions) => {
      if (!SUBJECT_TOKEN.test(opts.subjectPrefix)) {
        throw new CliError(`--subject-prefix ${opts.subjectPrefix}: must be one subject token`);
      }
      if (!TRUST_DOMAIN.test(opts.trustDomain)) {
        throw new CliError(`--trust-domain ${opts.trustDomain}: ${TRUST_DOMAIN_MESSAGE}`);
      }
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
    });
}
