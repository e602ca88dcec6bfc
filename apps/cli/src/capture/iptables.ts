// Runs `<iptables>-save -t nat` and `<iptables>-restore --noflush` for `weft init-capture`.
import { spawn } from 'node:child_process';
import { CliError } from '../cli-error.js';

export interface NatTable {
  /** The nat table as `iptables-save` prints it. */
  save(): Promise<string>;
  /** Applies iptables-restore input without flushing what it does not name (one transaction). */
  restore(script: string): Promise<void>;
}

/** The nat table through `<command>-save` and `<command>-restore` (`iptables`, `iptables-legacy`, …). */
export function natTable(command: string): NatTable {
  return {
    save: () => run(`${command}-save`, ['-t', 'nat']),
    restore: async (script) => {
      await run(`${command}-restore`, ['--noflush'], script);
    },
  };
}

function run(bin: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = input === undefined ? 'ignore' : 'pipe';
    const child = spawn(bin, args, { stdio: [stdin, 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new CliError(
          err.code === 'ENOENT'
            ? `${bin} is not installed (apt-get install iptables), or pass --iptables`
            : `${bin}: ${err.message}`,
        ),
      ),
    );
    child.once('close', (code) => {
      if (code === 0) return resolve(stdout);
      const hint = /denied|not permitted/i.test(stderr)
        ? ['init-capture needs root or CAP_NET_ADMIN in the pod network namespace']
        : [];
      reject(
        new CliError(`${bin} ${args.join(' ')} failed (exit ${code}): ${stderr.trim()}`, hint),
      );
    });
    child.stdin?.end(input);
  });
}
