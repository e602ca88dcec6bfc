// What the kernel says a process listens on: the local addresses of its listening TCP sockets.
import { readFile, readdir, readlink } from 'node:fs/promises';

/** The local addresses of the TCP sockets `pid` listens on at `port`, from /proc. */
export async function listeningAddresses(pid: number, port: number): Promise<string[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined) inodes.add(inode);
  }
  const addresses: string[] = [];
  for (const table of ['tcp', 'tcp6']) {
    const rows = (await readFile(`/proc/${pid}/net/${table}`, 'utf8')).split('\n').slice(1);
    for (const row of rows) {
      const [, local, , state, , , , , , inode] = row.trim().split(/\s+/);
      if (local === undefined || state !== '0A' || !inodes.has(inode)) continue;
      const [hex, portHex] = local.split(':');
      if (parseInt(portHex, 16) === port) addresses.push(procAddress(hex));
    }
  }
  return addresses;
}

/** /proc/net/tcp's little-endian hex address as text (IPv4; IPv6 kept as hex). */
function procAddress(hex: string): string {
  if (hex.length !== 8) return hex;
  return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
}
