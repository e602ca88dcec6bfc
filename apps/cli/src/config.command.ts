// `weft config set-context|use-context|get-contexts`: named control planes and their tokens, as kubectl's.
import { Command } from 'commander';
import { parseServer } from './admin-client.js';
import { cliConfigPath, readCliConfig, writeCliConfig, type CliContext } from './cli-config.js';
import type { GlobalOptions } from './cli-context.js';
import { CliError } from './cli-error.js';
import { formatTable, out } from './output.js';

export function configCommand(): Command {
  return new Command('config')
    .description(`contexts: control plane URLs and their tokens (file: ${cliConfigPath()})`)
    .addCommand(setContextCommand().exitOverride())
    .addCommand(useContextCommand().exitOverride())
    .addCommand(getContextsCommand().exitOverride());
}

/** `weft config set-context NAME --server URL [--token T]`: the global options say what to keep. */
function setContextCommand(): Command {
  return new Command('set-context')
    .description(
      'add or change a context: --server URL and --token TOKEN (default $WEFT_TOKEN); the file is written for its owner only',
    )
    .argument('<name>', 'the context')
    .option('--use', 'make it the current context')
    .action(async (name: string, opts: { use?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      if (globals.server === undefined) throw new CliError('set-context needs --server URL');
      const path = cliConfigPath();
      const config = await readCliConfig(path);
      const token = globals.token ?? (process.env.WEFT_TOKEN || undefined);
      const context: CliContext = {
        name,
        server: parseServer(globals.server),
        ...(token !== undefined && { token }),
      };
      const current = opts.use || config.contexts.length === 0 ? name : config['current-context'];
      await writeCliConfig(path, {
        ...(current !== undefined && { 'current-context': current }),
        contexts: [...config.contexts.filter((c) => c.name !== name), context],
      });
      out(`context ${name} set${current === name ? ' (current)' : ''} in ${path}`);
    });
}

function useContextCommand(): Command {
  return new Command('use-context')
    .description('make a context the current one')
    .argument('<name>', 'the context')
    .action(async (name: string) => {
      const path = cliConfigPath();
      const config = await readCliConfig(path);
      if (!config.contexts.some((c) => c.name === name)) {
        throw new CliError(`no context ${name} in ${path} (see weft config get-contexts)`);
      }
      await writeCliConfig(path, { ...config, 'current-context': name });
      out(`current context: ${name}`);
    });
}

function getContextsCommand(): Command {
  return new Command('get-contexts')
    .description('list contexts (their tokens are not shown)')
    .action(async () => {
      const config = await readCliConfig(cliConfigPath());
      const rows = config.contexts.map((c) => [
        c.name === config['current-context'] ? '*' : '',
        c.name,
        c.server,
        c.token === undefined ? 'no' : 'yes',
      ]);
      for (const line of formatTable(['CURRENT', 'NAME', 'SERVER', 'TOKEN'], rows)) out(line);
    });
}
