// The `weft` command tree: every command and option in one place (main.ts runs it; a docs check reads it).
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { PROTOCOL_VERSION } from '@app/protocol/version.js';
import { adminTokenCommand } from './admin-token.command.js';
import { applyCommand } from './apply.command.js';
import { caCommand } from './ca.command.js';
import { checkCommand } from './check.command.js';
import { configCommand } from './config.command.js';
import { deleteCommand } from './delete.command.js';
import { eventsCommand } from './events.command.js';
import { diffCommand } from './diff.command.js';
import { historyCommand } from './history.command.js';
import { rollbackCommand } from './rollback.command.js';
import { getCommand } from './get.command.js';
import { statCommand } from './stat.command.js';
import { statusCommand } from './status.command.js';
import { tapCommand } from './tap.command.js';
import { topCommand } from './top.command.js';
import { natsConfigCommand } from './nats-config.command.js';
import { tokenCommand } from './token.command.js';
import { whoamiCommand } from './whoami.command.js';

/** A fresh command tree: building it runs nothing; parsing argv runs the command named. */
export function program(): Command {
  return new Command('weft')
    .description('Weft service mesh: configure it and see what it runs')
    .version(`weft ${packageVersion()} (protocol v${PROTOCOL_VERSION})`, '-v, --version')
    .addOption(
      new Option(
        '-s, --server <url>',
        'control plane admin URL (default: $WEFT_SERVER, else the current context, else http://127.0.0.1:15010)',
      ),
    )
    .addOption(
      new Option(
        '--token <token>',
        'admin API token (default: $WEFT_TOKEN, else the current context; see weft config)',
      ),
    )
    .showSuggestionAfterError()
    .exitOverride()
    .addCommand(applyCommand().exitOverride())
    .addCommand(getCommand().exitOverride())
    .addCommand(deleteCommand().exitOverride())
    .addCommand(diffCommand().exitOverride())
    .addCommand(historyCommand().exitOverride())
    .addCommand(rollbackCommand().exitOverride())
    .addCommand(statusCommand().exitOverride())
    .addCommand(statCommand().exitOverride())
    .addCommand(topCommand().exitOverride())
    .addCommand(tapCommand().exitOverride())
    .addCommand(eventsCommand().exitOverride())
    .addCommand(checkCommand().exitOverride())
    .addCommand(caCommand().exitOverride())
    .addCommand(natsConfigCommand().exitOverride())
    .addCommand(tokenCommand().exitOverride())
    .addCommand(whoamiCommand().exitOverride())
    .addCommand(adminTokenCommand().exitOverride())
    .addCommand(configCommand().exitOverride());
}

/** The source tree and the build keep this file (bundled: main.js) three levels below package.json. */
function packageVersion(): string {
  try {
    const pkg = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8');
    return (JSON.parse(pkg) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
