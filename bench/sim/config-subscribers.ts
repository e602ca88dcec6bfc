// Bench process hosting many simulated proxies: each watches the config bucket as a proxy does,
// decodes every change with the proxy's own MeshState and ACKs each snapshot with its AckReporter.
// The route table compile is left out (a real proxy does it on its own CPU, not on this machine).
import { Kvm, KvWatchInclude } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Subjects } from '@app/protocol';
import { AckReporter } from '@app/dataplane/config/ack-reporter.js';
import { MeshState } from '@app/dataplane/config/mesh-state.js';

const servers = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const count = Number(process.env.SIM_COUNT ?? '1');
const first = Number(process.env.SIM_FIRST ?? '0');
const perConnection = Math.max(1, Number(process.env.SIM_PER_CONNECTION ?? '1'));
const subjects = new Subjects(process.env.WEFT_SUBJECT_PREFIX);

async function subscribe(nc: NatsConnection, index: number): Promise<void> {
  const proxyId = `sim-${index}`;
  const kv = await new Kvm(nc).open(subjects.configBucket);
  const state = new MeshState();
  const ack = new AckReporter(subjects, {
    proxyId,
    mode: 'sidecar',
    namespace: 'bench',
    service: 'sim',
  });
  // Only what changes from now on: the bench measures applies, not the initial replay.
  const iter = await kv.watch({ key: '>', include: KvWatchInclude.UpdatesOnly });
  void (async () => {
    for await (const entry of iter) {
      const change = state.apply(entry);
      if (change.kind === 'snapshot') ack.report(nc, change.revision);
    }
  })();
}

const connections: NatsConnection[] = [];
for (let i = 0; i < count; i++) {
  if (i % perConnection === 0) {
    connections.push(
      await connect({ servers, name: `weft-sim-${first + i}`, maxReconnectAttempts: -1 }),
    );
  }
  await subscribe(connections.at(-1)!, first + i);
}
process.stdout.write(`ready ${count}\n`);
process.once('SIGTERM', () => {
  void Promise.all(connections.map((nc) => nc.close())).then(() => process.exit(0));
});
