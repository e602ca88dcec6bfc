// The processes descended from one, from /proc (Linux): what a stopped script may not leave behind.
import { readdirSync, readFileSync } from 'node:fs';

/** `pid (comm) state ppid …` of one process; comm may hold blanks and parentheses. */
function stat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state, ppid: Number(ppid) };
  } catch {
    return undefined; // gone
  }
}

/** Every live descendant of `pid`: its children, their children, and so on. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = stat(Number(entry))?.ppid;
    if (parent !== undefined)
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  for (let frontier = [pid]; frontier.length > 0;) {
    frontier = frontier.flatMap((p) => children.get(p) ?? []);
    found.push(...frontier);
  }
  return found;
}

/** Whether `pid` still runs; a zombie (exited, not yet reaped) does not. */
export function isRunning(pid: number): boolean {
  const s = stat(pid);
  return s !== undefined && s.state !== 'Z';
}
