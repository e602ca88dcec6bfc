// What the operating system allows this process, for the overload manager's default thresholds.
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';

/** The soft limit of open files (Linux `/proc/self/limits`); undefined when it cannot be read. */
export function openFileLimit(limits = '/proc/self/limits'): number | undefined {
  try {
    const line = /^Max open files\s+(\d+)/m.exec(readFileSync(limits, 'latin1'));
    return line ? Number(line[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The memory limit of the process's cgroup, when it has one below the machine's memory. */
export function memoryLimitBytes(): number | undefined {
  const constrained = process.constrainedMemory();
  return constrained > 0 && constrained < totalmem() ? constrained : undefined;
}

/**
 * Client connections the overload manager lets a proxy hold by default: half its open files, so
 * that upstream connections, NATS and `/healthz` still get file descriptors. 0 (none) when unknown.
 */
export function defaultOverloadConnections(): number {
  return Math.floor((openFileLimit() ?? 0) / 2);
}

/** Resident memory the overload manager allows by default: 90% of a cgroup limit, else none (0). */
export function defaultOverloadRssMb(): number {
  const limit = memoryLimitBytes();
  return limit === undefined ? 0 : Math.floor((limit * 0.9) / 2 ** 20);
}

/**
 * V8 heap in use the overload manager allows by default: 90% of the heap's limit, past which V8
 * would soon abort the process (out of memory) rather than let it answer anything.
 */
export function defaultOverloadHeapMb(): number {
  return Math.floor((getHeapStatistics().heap_size_limit * 0.9) / 2 ** 20);
}
