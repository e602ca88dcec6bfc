// `weft init-capture`: a pod's init step that redirects its TCP to the sidecar with iptables (nat REDIRECT).
import { Command } from 'commander';
import {
  PROXY_ADMIN_PORT,
  PROXY_UID,
  SIDECAR_INBOUND_PORT,
  SIDECAR_OUTBOUND_PORT,
} from '@app/protocol/defaults.js';
import { CliError } from './cli-error.js';
import { parseCaptureFlags, type CaptureFlags } from './capture/capture-options.js';
import {
  applyScript,
  CHAINS,
  cleanupScript,
  NO_CAPTURE,
  parseCaptureState,
  type CaptureSettings,
} from './capture/capture-rules.js';
import { natTable } from './capture/iptables.js';
import { out } from './output.js';

interface InitCaptureOptions extends CaptureFlags {
  readonly iptables: string;
  readonly dryRun?: boolean;
  readonly cleanup?: boolean;
}

export function initCaptureCommand(): Command {
  return new Command('init-capture')
    .description(
      "redirect this network namespace's TCP to the sidecar (iptables nat): outbound HTTP ports to its outbound listener, inbound to its inbound listener",
    )
    .option(
      '--uid <uid>',
      "the proxy's uid: its own traffic is never redirected",
      String(PROXY_UID),
    )
    .option('--gid <gid>', "the proxy's gid, exempted too")
    .option('--inbound-port <port>', "the sidecar's inbound listener", String(SIDECAR_INBOUND_PORT))
    .option(
      '--outbound-port <port>',
      "the sidecar's outbound listener",
      String(SIDECAR_OUTBOUND_PORT),
    )
    .option(
      '--admin-port <port>',
      "the sidecar's admin port (never captured)",
      String(PROXY_ADMIN_PORT),
    )
    .option(
      '--inbound-ports <ports>',
      'inbound ports captured: * or a comma list (empty: none)',
      '*',
    )
    .option('--exclude-inbound-ports <ports>', 'inbound ports never captured', '')
    .option('--outbound-ports <ports>', 'outbound HTTP ports captured: a comma list or *', '80')
    .option('--exclude-outbound-ports <ports>', 'outbound ports never captured', '')
    .option('--outbound-cidrs <cidrs>', 'outbound destinations captured: * or IPv4 CIDRs', '*')
    .option('--exclude-outbound-cidrs <cidrs>', 'outbound destinations never captured', '')
    .option(
      '--iptables <command>',
      'iptables flavour: runs <command>-save and <command>-restore',
      'iptables',
    )
    .option('--dry-run', 'print the iptables-restore input and change nothing')
    .option('--cleanup', "remove Weft's rules and chains instead")
    .action(async (opts: InitCaptureOptions) => {
      const table = natTable(opts.iptables);
      if (opts.cleanup) {
        const state = opts.dryRun ? everyRule() : parseCaptureState(await table.save());
        const script = cleanupScript(state);
        if (opts.dryRun) return out(script?.trimEnd());
        if (script === undefined) return out('no capture rules to remove');
        await table.restore(script);
        return out(`removed the capture rules (${[...state.chains].join(', ')})`);
      }
      const parsed = parseCaptureFlags(opts);
      if (!parsed.ok) throw new CliError('invalid init-capture options', parsed.errors, 2);
      if (opts.dryRun) return out(applyScript(parsed.settings, NO_CAPTURE).trimEnd());
      await table.restore(applyScript(parsed.settings, parseCaptureState(await table.save())));
      out(summary(parsed.settings));
    });
}

/** A dry run of --cleanup shows what it removes when every chain and jump is there. */
function everyRule(): ReturnType<typeof parseCaptureState> {
  return parseCaptureState(
    [
      ...Object.values(CHAINS).map((c) => `:${c} - [0:0]`),
      `-A PREROUTING -p tcp -j ${CHAINS.inbound}`,
      `-A OUTPUT -p tcp -j ${CHAINS.outbound}`,
    ].join('\n'),
  );
}

function summary(s: CaptureSettings): string {
  const list = (set: 'all' | readonly (number | string)[]): string =>
    set === 'all' ? '*' : set.length === 0 ? 'none' : set.join(',');
  return (
    `captured: inbound ports ${list(s.inboundPorts)} → ${s.inboundPort}, ` +
    `outbound ports ${list(s.outboundPorts)} to ${list(s.outboundCidrs)} → ${s.outboundPort} ` +
    `(uid ${s.uid} exempt)`
  );
}
