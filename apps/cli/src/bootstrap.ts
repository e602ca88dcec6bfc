// `weft`, the command-line tool: configure the mesh and see what it runs (docs/reference/cli.md).
import { CommanderError } from 'commander';
import { CliError, messageOf } from './cli-error.js';
import { program } from './cli-program.js';
import { err } from './output.js';

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
