// What the kernel says of a process's TCP sockets: the addresses it listens on, the connections it holds.
import { readFile, readdir, readlink } from 'node:fs/promises';

/** TCP states in /proc/net/tcp. */
const LISTEN = '0A';
const ESTABLISHED = '01';

/** The local addresses of the TCP sockets `pid` listens on at `port`, from /proc. */
export async function listeningAddresses(pid: number, port: number): Promise<string[]> {
  const rows = await socketRows(pid);
  return rows
    .filter((r) => r.state === LISTEN && r.localPort === port)
    .map((r) => procAddress(r.localHex));
}

/** Whether `pid` holds the open TCP connection whose local (client) port is `port`. */
export async function holdsConnectionFrom(pid: number, port: number): Promise<boolean> {
  const rows = await socketRows(pid);
  return rows.some((r) => r.state === ESTABLISHED && r.localPort === port);
}

interface SocketRow {
  readonly localHex: string;
  readonly localPort: number;
  readonly state: string;
}

/** The rows of /proc/<pid>/net/tcp{,6} for the sockets `pid` has open. */
async function socketRows(pid: number): Promise<SocketRow[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined) inodes.add(inode);
  }
  const rows: SocketRow[] = [];
  for (const table of ['tcp', 'tcp6']) {
    const lines = (await readFile(`/proc/${pid}/net/${table}`, 'utf8')).split('\n').slice(1);
    for (const line of lines) {
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
      if (local === undefined || !inodes.has(inode)) continue;
      const [localHex, portHex] = local.split(':');
      rows.push({ localHex, localPort: parseInt(portHex, 16), state });
    }
  }
  return rows;
}

/** /proc/net/tcp's little-endian hex address as text (IPv4; IPv6 kept as hex). */
function procAddress(hex: string): string {
  if (hex.length !== 8) return hex;
  return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
}
