// A Linux network namespace joined to this one by a veth pair, for tests that need a pod's own network.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** `ip args…`; throws its stderr, naming the command. */
export async function ip(args: readonly string[]): Promise<string> {
  try {
    return (await run('ip', args)).stdout;
  } catch (err) {
    const { stderr } = err as { stderr?: string };
    throw new Error(`ip ${args.join(' ')}: ${stderr?.trim() || (err as Error).message}`, {
      cause: err,
    });
  }
}

/** Why namespaces cannot be made here (not root, no `ip`, no iptables), or undefined when they can. */
export async function whyNoNetns(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not root (ip netns and iptables need it)';
  for (const [tool, args] of [
    ['ip', ['-V']],
    ['iptables-restore', ['--version']],
    ['setpriv', ['--version']],
  ] as const) {
    const missing = await run(tool, args).then(
      () => undefined,
      () => `${tool} is not installed (apt-get install iproute2 iptables util-linux)`,
    );
    if (missing) return missing;
  }
  return undefined;
}

/**
 * A namespace `name` with loopback up and a veth pair to this namespace: `hostAddress` on this
 * side, `podAddress` inside, in a /29 of 10.x the test picks. `hosts` is the namespace's
 * /etc/hosts (ip netns exec bind-mounts /etc/netns/<name>/hosts over it).
 */
export class NetNamespace {
  private constructor(
    readonly name: string,
    readonly hostAddress: string,
    readonly podAddress: string,
    /** An address of the subnet no interface holds. */
    readonly spareAddress: string,
    private readonly hostVeth: string,
  ) {}

  static async create(hosts: (ns: { hostAddress: string }) => string): Promise<NetNamespace> {
    const tag = `${process.pid % 100_000}`;
    const name = `weft-cap-${tag}`;
    const [hostVeth, podVeth] = [`wch${tag}`, `wcp${tag}`];
    const subnet = await freeSubnet();
    const ns = new NetNamespace(name, `${subnet}.1`, `${subnet}.2`, `${subnet}.5`, hostVeth);
    // A leftover of a killed run with this pid would make `add` fail: remove it first.
    await ns.remove();
    try {
      await ip(['netns', 'add', name]);
      await ip(['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', podVeth]);
      await ip(['link', 'set', podVeth, 'netns', name]);
      await ip(['addr', 'add', `${ns.hostAddress}/29`, 'dev', hostVeth]);
      await ip(['link', 'set', hostVeth, 'up']);
      await ip(['-n', name, 'addr', 'add', `${ns.podAddress}/29`, 'dev', podVeth]);
      await ip(['-n', name, 'link', 'set', podVeth, 'up']);
      await ip(['-n', name, 'link', 'set', 'lo', 'up']);
      await mkdir(`/etc/netns/${name}`, { recursive: true });
      await writeFile(`/etc/netns/${name}/hosts`, hosts(ns));
    } catch (err) {
      await ns.remove();
      throw err;
    }
    return ns;
  }

  /** `command args…` inside the namespace, as a child process of this one. */
  spawn(command: string, args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
    return spawn('ip', ['netns', 'exec', this.name, command, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /** Runs `command args…` inside the namespace; its stdout, or its stderr as the error. */
  async exec(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<string> {
    try {
      return (await run('ip', ['netns', 'exec', this.name, command, ...args], { env })).stdout;
    } catch (err) {
      const { stderr } = err as { stderr?: string };
      throw new Error(`${command} ${args.join(' ')} in ${this.name}: ${stderr?.trim() ?? ''}`, {
        cause: err,
      });
    }
  }

  /** Removes the namespace (its iptables rules and its veth end, so the pair), and its hosts file. */
  async remove(): Promise<void> {
    await ip(['netns', 'del', this.name]).catch(() => undefined);
    await ip(['link', 'del', this.hostVeth]).catch(() => undefined);
    await rm(`/etc/netns/${this.name}`, { recursive: true, force: true });
  }
}

/** The first three octets of a 10.x.y.0/29 that no interface here has an address in. */
export async function freeSubnet(): Promise<string> {
  const used = await ip(['-4', '-o', 'addr', 'show']);
  for (let attempt = 0; attempt < 50; attempt++) {
    const x = 200 + Math.floor(Math.random() * 50);
    const y = Math.floor(Math.random() * 256);
    const prefix = `10.${x}.${y}`;
    if (!used.includes(` ${prefix}.`)) return prefix;
  }
  throw new Error('no free 10.x.y.0/29 for a test namespace');
}
