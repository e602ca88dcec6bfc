// Bench process hosting many simulated proxies: each follows its destinations as a sidecar does,
// with the proxy's own DestinationSync (reads on first call, the leader's announcements, markers)
// and ACKs each revision with its AckReporter. The route table compile is left out (a real proxy
// does it on its own CPU, not on this machine): the configurator here only accepts.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { Subjects } from '@app/protocol';
import { AckReporter } from '@app/dataplane/config/ack-reporter.js';
import { natsConfigFeed } from '@app/dataplane/config/config-feed.js';
import { DestinationSync } from '@app/dataplane/config/destination-sync.js';
import type { ConfigTarget } from '@app/dataplane/config/route-configurator.js';
import type { SnapshotCache } from '@app/dataplane/config/snapshot-cache.js';

const servers = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const count = Number(process.env.SIM_COUNT ?? '1');
const first = Number(process.env.SIM_FIRST ?? '0');
const perConnection = Math.max(1, Number(process.env.SIM_PER_CONNECTION ?? '1'));
/** Services each proxy calls, spread over `SIM_SERVICES`; with SIM_HOT, svc-0 (the one changed) too. */
const calls = Number(process.env.SIM_CALLS ?? '3');
const services = Number(process.env.SIM_SERVICES ?? '1000');
const hot = process.env.SIM_HOT === '1';
const subjects = new Subjects(process.env.WEFT_SUBJECT_PREFIX);
const log = pino({ level: 'warn' });

const accepting: ConfigTarget = {
  applySnapshot: () => ({ ok: true }),
  applyEndpoints: () => false,
  release: () => undefined,
};
const noCache = {
  file: '(none)',
  load: () => Promise.resolve(undefined),
  save: () => Promise.resolve(),
} as unknown as SnapshotCache;

/** The hosts proxy `index` calls: a deterministic spread, so runs compare. */
function hostsOf(index: number): string[] {
  const hosts = Array.from(
    { length: calls },
    (_, c) => `svc-${(index * 7 + c * 131 + 1) % services}`,
  );
  return hot ? ['svc-0', ...hosts] : hosts;
}

/** Resolves once the proxy applied its first revision and read every destination it calls. */
function simulate(nc: NatsConnection, index: number): Promise<void> {
  const proxyId = `sim-${index}`;
  const ack = new AckReporter(subjects, {
    proxyId,
    mode: 'sidecar',
    namespace: 'bench',
    service: 'sim',
  });
  return new Promise((ready) => {
    let started = false;
    const sync: DestinationSync = new DestinationSync(
      {
        feed: natsConfigFeed(() => Promise.resolve(nc), subjects.configBucket),
        target: accepting,
        cache: noCache,
        events: {
          applied: (revision) => {
            ack.report(nc, revision);
            if (started) return;
            started = true;
            const reads = hostsOf(index).map((host) => sync.discover(host) ?? Promise.resolve());
            void Promise.all(reads).then(() => ready());
          },
          rejected: (revision, error) => ack.report(nc, revision, error),
          invalid: () => undefined,
        },
        log,
        subjects,
      },
      { localNamespace: 'bench', instances: [] },
    );
    sync.run();
  });
}

const connections: NatsConnection[] = [];
const ready: Promise<void>[] = [];
for (let i = 0; i < count; i++) {
  if (i % perConnection === 0) {
    connections.push(
      await connect({ servers, name: `weft-sim-${first + i}`, maxReconnectAttempts: -1 }),
    );
  }
  ready.push(simulate(connections.at(-1)!, first + i));
}
await Promise.all(ready);
process.stdout.write(`ready ${count}\n`);
process.once('SIGTERM', () => {
  void Promise.all(connections.map((nc) => nc.close())).then(() => process.exit(0));
});
