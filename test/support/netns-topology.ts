// Several "hosts" for multi-cluster tests: each in its own Linux network namespace (a veth pair to
// this one, so the test reaches it), joined by veth links the test can cut and restore; or, where
// namespaces cannot be made, every host on loopback with each link through a TCP relay the test
// cuts, saying so. Everything made is removed, also when a test fails.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freeSubnet, ip } from './netns.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** One host of the topology. */
export interface TopologyHost {
  readonly name: string;
  /** Where the test reaches the host's listeners (they bind it). */
  readonly address: string;
  /** Where the host's processes reach the test's own servers (apps the test runs). */
  readonly testAddress: string;
  /** `command args…` on the host, from the repository's root (NODE_OPTIONS left out). */
  spawn(command: string, args: readonly string[], env: Record<string, string>): ChildProcess;
}

/** A link from one host to a listener of another, which the test can cut and restore. */
export interface HostLink {
  /** Where the `from` host dials the `to` host's listener. */
  readonly address: string;
  readonly port: number;
  /** The `from` host's own address on the link (where the `to` host would dial it back). */
  readonly fromAddress: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
}

/** Why namespaces cannot be made here, or undefined when they can. */
async function whyNoNamespaces(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not root (ip netns needs it)';
  return ip(['-V']).then(
    () => undefined,
    () => 'ip is not installed (apt-get install iproute2)',
  );
}

function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = { ...process.env };
  // Jest's NODE_OPTIONS (--experimental-vm-modules) is not for the apps.
  delete inherited.NODE_OPTIONS;
  return { ...inherited, ...env };
}

export class NetTopology {
  private readonly cleanups: (() => Promise<void>)[] = [];
  private links = 0;

  private constructor(
    readonly mode: 'netns' | 'loopback',
    /** Why loopback: said once at creation, and kept for the test's own messages. */
    readonly note: string | undefined,
    private readonly hosts: Map<string, TopologyHost>,
    private readonly tag: string,
  ) {}

  /** Hosts named `names`, each in a namespace of its own (or all on loopback, saying why). */
  static async create(names: readonly string[]): Promise<NetTopology> {
    const why = process.env.WEFT_TOPOLOGY_LOOPBACK ? 'WEFT_TOPOLOGY_LOOPBACK is set' : undefined;
    const reason = why ?? (await whyNoNamespaces());
    const tag = `${process.pid % 100_000}`;
    if (reason !== undefined) {
      console.warn(
        `multi-cluster topology on loopback ports, not network namespaces (${reason}): links are cut at a TCP relay`,
      );
      const hosts = new Map(names.map((name) => [name, loopbackHost(name)]));
      return new NetTopology('loopback', reason, hosts, tag);
    }
    const topology = new NetTopology('netns', undefined, new Map(), tag);
    try {
      for (const [i, name] of names.entries()) await topology.addNamespace(name, i);
    } catch (err) {
      await topology.remove();
      throw err;
    }
    return topology;
  }

  host(name: string): TopologyHost {
    const host = this.hosts.get(name);
    if (!host) throw new Error(`no host ${name} in this topology`);
    return host;
  }

  /**
   * A link over which `from` reaches `to`'s listener on `port` (bound to every address of `to`):
   * in namespaces, a veth pair between the two with addresses of its own; on loopback, a relay.
   * `outboundOnly`: `from` accepts no connection over the link, as a site behind NAT or a firewall
   * (in namespaces an iptables rule of `from`'s drops every new inbound connection; on loopback
   * nothing enforces it: `mode` says so).
   */
  async link(
    from: string,
    to: string,
    port: number,
    options: { outboundOnly?: boolean } = {},
  ): Promise<HostLink> {
    this.host(from);
    this.host(to);
    const n = this.links++;
    if (this.mode === 'loopback') {
      const relay = await TcpRelay.start(port);
      this.cleanups.push(() => relay.close());
      return relay;
    }
    const [a, b] = [`wml${this.tag}${n}a`, `wml${this.tag}${n}b`];
    const subnet = await freeSubnet();
    const [fromNs, toNs] = [this.namespaceOf(from), this.namespaceOf(to)];
    await ip(['link', 'add', a, 'netns', fromNs, 'type', 'veth', 'peer', 'name', b, 'netns', toNs]);
    await ip(['-n', fromNs, 'addr', 'add', `${subnet}.1/29`, 'dev', a]);
    await ip(['-n', toNs, 'addr', 'add', `${subnet}.2/29`, 'dev', b]);
    if (options.outboundOnly) {
      const rule = ['INPUT', '-i', a, '-m', 'conntrack', '--ctstate', 'NEW', '-j', 'DROP'];
      await run('ip', ['netns', 'exec', fromNs, 'iptables', '-A', ...rule]);
    }
    const set = async (state: 'up' | 'down'): Promise<void> => {
      await ip(['-n', fromNs, 'link', 'set', a, state]);
      await ip(['-n', toNs, 'link', 'set', b, state]);
    };
    await set('up');
    return {
      address: `${subnet}.2`,
      port,
      fromAddress: `${subnet}.1`,
      cut: () => set('down'),
      restore: () => set('up'),
    };
  }

  /** Removes every namespace, link and relay made (their processes must be stopped first). */
  async remove(): Promise<void> {
    for (const cleanup of this.cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  }

  private namespaceOf(host: string): string {
    return `weft-mc-${this.tag}-${host}`;
  }

  private async addNamespace(name: string, i: number): Promise<void> {
    const ns = this.namespaceOf(name);
    const [hostVeth, nsVeth] = [`wmh${this.tag}${i}`, `wmn${this.tag}${i}`];
    const remove = async (): Promise<void> => {
      await ip(['netns', 'del', ns]).catch(() => undefined);
      await ip(['link', 'del', hostVeth]).catch(() => undefined);
    };
    // A leftover of a killed run with this pid would make `add` fail.
    await remove();
    this.cleanups.push(remove);
    const subnet = await freeSubnet();
    await ip(['netns', 'add', ns]);
    await ip(['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', nsVeth]);
    await ip(['link', 'set', nsVeth, 'netns', ns]);
    await ip(['addr', 'add', `${subnet}.1/29`, 'dev', hostVeth]);
    await ip(['link', 'set', hostVeth, 'up']);
    await ip(['-n', ns, 'addr', 'add', `${subnet}.2/29`, 'dev', nsVeth]);
    await ip(['-n', ns, 'link', 'set', nsVeth, 'up']);
    await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    this.hosts.set(name, {
      name,
      address: `${subnet}.2`,
      testAddress: `${subnet}.1`,
      spawn: (command, args, env) =>
        spawn('ip', ['netns', 'exec', ns, command, ...args], {
          cwd: ROOT,
          env: childEnv(env),
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
    });
  }
}

function loopbackHost(name: string): TopologyHost {
  return {
    name,
    address: '127.0.0.1',
    testAddress: '127.0.0.1',
    spawn: (command, args, env) =>
      spawn(command, args, { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] }),
  };
}

/** A loopback link: forwards to `target` until cut, then drops every connection and refuses new ones. */
class TcpRelay implements HostLink {
  readonly address = '127.0.0.1';
  readonly fromAddress = '127.0.0.1';
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private down = false;

  private constructor(private readonly target: number) {
    this.server = createServer((inbound) => this.accept(inbound));
  }

  static async start(target: number): Promise<TcpRelay> {
    const relay = new TcpRelay(target);
    await new Promise<void>((done) => relay.server.listen(0, '127.0.0.1', done));
    return relay;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  cut(): Promise<void> {
    this.down = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    return Promise.resolve();
  }

  restore(): Promise<void> {
    this.down = false;
    return Promise.resolve();
  }

  close(): Promise<void> {
    void this.cut();
    return new Promise((done) => this.server.close(() => done()));
  }

  private accept(inbound: Socket): void {
    if (this.down) return void inbound.destroy();
    const outbound = createConnection(this.target, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
    }
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  }
}
