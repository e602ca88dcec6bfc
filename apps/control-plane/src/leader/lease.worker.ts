// The lease thread: joins the leader election over a NATS connection of its own and renews the lease on
// its own schedule, whatever the main thread is busy with; publishes the lease's validity to it.
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '@app/runtime/logger.js';
import { connectNats } from '@app/runtime/nats-connector.js';
import { openBucket } from '../config/open-bucket.js';
import { controlPlaneEnv } from '../control-plane-env.dto.js';
import { bootSubjects } from '../nats/boot-subjects.js';
import { LeaseElection, type LeaseRecord } from './lease-election.js';
import { followLease, kvLeaseStore } from './lease-store.js';
import {
  LeaseClock,
  monotonicMs,
  type LeaseThreadCommand,
  type LeaseThreadMessage,
  type LeaseWorkerData,
} from './lease-thread.js';
import { refusingWhileMainWedged } from './wedged-main-fence.js';

const { holder, adminUrl, ttlMs, shared } = workerData as LeaseWorkerData;
const clock = new LeaseClock(shared);
const port = parentPort!;
const post = (message: LeaseThreadMessage): void => port.postMessage(message);

async function run(): Promise<void> {
  const env = controlPlaneEnv();
  const log = createLogger('control-plane', env.WEFT_LOG_LEVEL).child({ thread: 'lease' });
  const nc = await connectNats(env, `${holder}-lease`, log);
  const kv = await openBucket(nc, bootSubjects().leaderBucket, env.WEFT_KV_REPLICAS);
  const invalid = (reason: string): void => post({ type: 'invalid', reason });
  const store = kvLeaseStore(kv, invalid);
  const election = new LeaseElection(
    { holder, adminUrl },
    ttlMs,
    refusingWhileMainWedged(store, clock, ttlMs, monotonicMs),
    monotonicMs,
  );
  election.on('validity', (until) => (clock.validUntil = until));
  election.on('role', (change) => post({ type: 'role', change }));
  // Every change of the key, renewals included (the main thread shows their term and time).
  const observe = (record: LeaseRecord): void => {
    election.observe(record);
    post({ type: 'leader', lease: election.current });
  };
  observe(await store.read());
  const stopWatch = followLease(kv, observe, invalid, log);
  port.on('message', (command: LeaseThreadCommand) => {
    if (command.type !== 'resign') return;
    stopWatch();
    void election
      .resign()
      .then(() => nc.close())
      .finally(() => post({ type: 'resigned' }));
  });
  post({ type: 'started' });
}

run().catch((err: Error) => post({ type: 'failed', error: err.message }));
