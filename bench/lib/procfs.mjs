// Reads CPU time and resident memory of a process tree, and per-core busy time, from /proc (Linux).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** Fields of /proc/<pid>/stat after the command name (which may contain spaces). */
function statFields(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** `pid` and all its descendants (e.g. nginx's master and worker). */
export function processTree(pid) {
  const parents = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      parents.set(Number(entry), Number(statFields(entry)[1]));
    } catch {
      // exited while we looked
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

/** User + system CPU seconds consumed so far by these processes (all threads). */
export function cpuSeconds(pids) {
  let ticks = 0;
  for (const pid of pids) {
    const fields = statFields(pid);
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/**
 * CPU seconds of this process (all threads) plus those of its children it has waited for, such
 * as finished wrk runs.
 */
export function ownCpuSeconds() {
  const [utime, stime, cutime, cstime] = statFields('self').slice(11, 15).map(Number);
  return (utime + stime + cutime + cstime) / CLOCK_TICKS_PER_SECOND;
}

/** Resident set size of these processes, in bytes (VmRSS summed). */
export function rssBytes(pids) {
  let kib = 0;
  for (const pid of pids) {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (match) kib += Number(match[1]);
  }
  return kib * 1024;
}

/** Busy (non-idle, non-iowait) seconds of each CPU core so far, from /proc/stat, by core index. */
export function coreBusySeconds() {
  const busy = [];
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const match = /^cpu(\d+) (.*)$/.exec(line);
    if (!match) continue;
    const [user, nice, system, , , irq, softirq, steal] = match[2].split(' ').map(Number);
    busy[Number(match[1])] =
      (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_SECOND;
  }
  return busy;
}
