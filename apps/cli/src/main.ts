// `weft`, the command-line tool: configure the mesh and see what it runs (see README "The weft CLI").
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { PROTOCOL_VERSION } from '@app/protocol/version.js';
import { applyCommand } from './apply.command.js';
import { adminTokenCommand } from './admin-token.command.js';
import { checkCommand } from './check.command.js';
import { CliError, messageOf } from './cli-error.js';
import { configCommand } from './config.command.js';
import { deleteCommand } from './delete.command.js';
import { eventsCommand } from './events.command.js';
import { diffCommand } from './diff.command.js';
import { historyCommand } from './history.command.js';
import { rollbackCommand } from './rollback.command.js';
import { getCommand } from './get.command.js';
import { err } from './output.js';
import { statCommand } from './stat.command.js';
import { statusCommand } from './status.command.js';
import { tapCommand } from './tap.command.js';
import { topCommand } from './top.command.js';
import { whoamiCommand } from './whoami.command.js';

function program(): Command {
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
    .addCommand(whoamiCommand().exitOverride())
    .addCommand(adminTokenCommand().exitOverride())
    .addCommand(configCommand().exitOverride());
}

/** The source tree and the build keep main.js three levels below package.json. */
function packageVersion(): string {
  try {
    const pkg = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8');
    return (JSON.parse(pkg) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    // A command may set a non-error exit code (`weft diff`: 1 when there are changes).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    // Commander has printed its own message (usage errors) or the help/version text already.
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliError) {
      err(`Error: ${error.message}`);
      for (const line of error.details) err(line);
      return error.exitCode;
    }
    err(`Error: ${messageOf(error)}`);
    return 1;
  }
}

// `weft get … | head` closes the pipe early: stop quietly instead of crashing on EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const code = await main(process.argv);
// Exit once the output is flushed, whatever handles (sockets, timers) are still open.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
