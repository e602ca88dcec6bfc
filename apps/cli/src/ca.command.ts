// `weft ca status` and `weft ca rotate`: the mesh CA's trust bundle, and a root rotation that never
// cuts a proxy off (new root trusted everywhere first, then signing, then the old one dropped).
import { Command, Option } from 'commander';
import { parseDurationMs, type CaStatus } from '@app/protocol';
import { withAdmin } from './cli-context.js';
import { CliError } from './cli-error.js';
import { ago, formatTable, out } from './output.js';
import { withProgress } from './progress.js';

const POLL_MS = 1_000;

export function caCommand(): Command {
  return new Command('ca')
    .description('the mesh certificate authority: trust bundle and root rotation')
    .addCommand(
      new Command('status')
        .description('roots of the trust bundle, which one signs, and how far a rotation got')
        .action(async (_opts: unknown, cmd: Command) => {
          const status = await withAdmin(cmd, (admin) =>
            withProgress('asking the control plane', () => admin.caStatus()),
          );
          for (const line of describe(status)) out(line);
        }),
    )
    .addCommand(
      new Command('rotate')
        .description('start a root rotation; with --wait, follow it until the old root is dropped')
        .option('--wait', 'follow the rotation until it is done')
        .addOption(
          new Option('--timeout <duration>', 'with --wait: give up after this long').default('10m'),
        )
        .action(async (opts: { wait?: boolean; timeout: string }, cmd: Command) => {
          const timeoutMs = parseDurationMs(opts.timeout);
          if (!(timeoutMs > 0))
            throw new CliError(`--timeout "${opts.timeout}" is not a duration such as 10m`);
          await withAdmin(cmd, async (admin) => {
            let status = await admin.caRotate();
            out(`root rotation started: phase ${status.phase ?? '?'}`);
            if (!opts.wait) return;
            const deadline = Date.now() + timeoutMs;
            let phase = status.phase;
            while (status.phase !== 'steady') {
              if (Date.now() > deadline) {
                throw new CliError(
                  `the rotation is still in phase ${status.phase} after ${opts.timeout}`,
                  [
                    ...waiting(status),
                    'it goes on in the control plane; follow it with `weft ca status`',
                  ],
                );
              }
              await new Promise((r) => setTimeout(r, POLL_MS));
              status = await admin.caStatus();
              if (status.phase !== phase) {
                phase = status.phase;
                out(`phase ${phase}`);
              }
            }
            out('root rotation done: every proxy trusts and presents the new root');
          });
        }),
    );
}

/** The status as lines: the CA, its phase and who it waits for, the roots, the proxies. */
function describe(status: CaStatus): string[] {
  if (!status.enabled) {
    return [
      'the mesh CA is off: the control plane needs WEFT_CA_ENCRYPTION_KEY_FILE (or WEFT_CA_CERT and WEFT_CA_KEY)',
    ];
  }
  const since = status.rotationStartedAt
    ? ` (rotation started ${ago(status.rotationStartedAt)})`
    : '';
  const lines = [
    `mesh CA: ${status.source} root, trust domain ${status.trustDomain}, leaf lifetime ${status.certTtl}`,
    `phase: ${status.phase}${since}`,
    ...waiting(status),
    '',
  ];
  const rows = status.roots.map((r) => [
    r.fingerprint,
    r.signer ? 'yes' : 'no',
    r.notAfter.slice(0, 10),
    r.subject,
  ]);
  lines.push(...formatTable(['ROOT (SHA-256)', 'SIGNS', 'NOT AFTER', 'SUBJECT'], rows), '');
  const holding = status.proxies.filter((p) => p.holdsBundle).length;
  const renewed = status.proxies.filter((p) => p.renewed).length;
  const total = status.proxies.length;
  lines.push(
    `${total} live ${total === 1 ? 'proxy' : 'proxies'}: ${holding} hold the whole bundle, ${renewed} present a leaf of the signing root`,
  );
  return lines;
}

function waiting(status: CaStatus): string[] {
  if (status.waitingFor.length === 0) return [];
  return [`waiting for ${status.waitingFor.length}: ${status.waitingFor.join(', ')}`];
}
