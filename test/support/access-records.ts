// The access log records a mesh's proxies publish on the bus, collected by a read-only observer.
import type { NatsConnection } from '@nats-io/transport-node';
import type { AccessRecord } from '@app/dataplane';
import type { Mesh } from './mesh.js';

/** Pushes every record published from now on into `records`; close the connection when done. */
export async function observeAccessRecords(
  mesh: Mesh,
  records: AccessRecord[],
): Promise<NatsConnection> {
  const observer = await mesh.natsClient({ role: 'cli-read', name: 'observer' });
  observer.subscribe('weft.v1.telemetry.access.>', {
    callback: (_err, msg) => {
      records.push(msg.json<AccessRecord>());
    },
  });
  await observer.flush();
  return observer;
}
