// Bench process announcing many instances: SIM_SERVICES services of SIM_PER_SERVICE ready
// instances each, every instance heartbeating at WEFT_HEARTBEAT_INTERVAL_MS (spread evenly).
import { connect } from '@nats-io/transport-node';
import { encode, PROTOCOL_VERSION, Subjects, type Heartbeat } from '@app/protocol';

const servers = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const services = Number(process.env.SIM_SERVICES ?? '1000');
const perService = Number(process.env.SIM_PER_SERVICE ?? '10');
const intervalMs = Number(process.env.WEFT_HEARTBEAT_INTERVAL_MS ?? '1000');
const subjects = new Subjects(process.env.WEFT_SUBJECT_PREFIX);
const TICK_MS = 50;

const beats: { subject: string; beat: Heartbeat }[] = [];
for (let s = 0; s < services; s++) {
  for (let i = 0; i < perService; i++) {
    const service = `svc-${s}`;
    const instanceId = `${service}-${i}`;
    beats.push({
      subject: subjects.health('bench', service, service, instanceId),
      beat: {
        v: PROTOCOL_VERSION,
        namespace: 'bench',
        service,
        serviceAccount: service,
        instanceId,
        proxyId: instanceId,
        mode: 'sidecar',
        address: `10.${s >> 8}.${s & 255}.${i + 1}`,
        port: 15006,
        labels: { app: service },
        state: 'ready',
        sentAt: 0,
      },
    });
  }
}

const nc = await connect({ servers, name: 'weft-sim-heartbeats', maxReconnectAttempts: -1 });
// Each tick sends the slice of instances due in it, so the load is even across the interval.
const perTick = Math.ceil(beats.length / Math.max(1, intervalMs / TICK_MS));
let next = 0;
const send = (n: number): void => {
  for (let sent = 0; sent < n; sent++) {
    const { subject, beat } = beats[next];
    nc.publish(subject, encode({ ...beat, sentAt: Date.now() }));
    next = (next + 1) % beats.length;
  }
};
// The first round at once, so every instance is known before the bench measures anything.
send(beats.length);
const timer = setInterval(() => send(perTick), TICK_MS);
await nc.flush();
process.stdout.write(`ready ${beats.length}\n`);
process.once('SIGTERM', () => {
  clearInterval(timer);
  void nc.close().then(() => process.exit(0));
});
