// The primary of a router replica set (WEFT_ROUTER_REPLICAS > 1): starts the replicas with
// node:cluster, which share its listening sockets, starts a dead one again, and stops them all on
// SIGTERM/SIGINT. Node 20 has no `reusePort`, so sharing one port takes a primary holding it.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '@app/runtime';

/** Pause before a replica that died is started again (a crash loop costs at most this often). */
const RESTART_DELAY_MS = 1_000;

export function superviseReplicas(count: number, log: Logger): void {
  const replicas = new Map<number, Worker>();
  let stopping = false;

  const start = (index: number): void => {
    const worker = cluster.fork({ WEFT_ROUTER_REPLICA_INDEX: String(index) });
    replicas.set(index, worker);
    worker.once('exit', (code, signal) => {
      replicas.delete(index);
      if (stopping) {
        if (replicas.size === 0) process.exit(0);
        return;
      }
      log.warn({ replica: index, code, signal }, 'router replica exited; starting it again');
      setTimeout(() => stopping || start(index), RESTART_DELAY_MS);
    });
  };

  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    log.info({ replicas: replicas.size }, 'stopping router replicas (each drains)');
    if (replicas.size === 0) process.exit(0);
    for (const worker of replicas.values()) worker.process.kill('SIGTERM');
  };

  for (let i = 0; i < count; i++) start(i);
  log.info({ replicas: count }, 'router replica set started');
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** A replica leaves when its primary is gone (no one holds the shared socket any more). */
export function exitWithPrimary(): void {
  process.once('disconnect', () => process.exit(1));
}
