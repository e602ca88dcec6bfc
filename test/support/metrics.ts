// Reads a component's Prometheus exposition (`GET /metrics` on its admin port) in e2e tests.
import { http } from './admin-client.js';

/** The sum of a series' samples whose labels contain every `labels` pair (0 when absent). */
export async function metric(
  adminPort: number,
  name: string,
  labels: string[] = [],
): Promise<number> {
  const { body } = await http(`http://127.0.0.1:${adminPort}/metrics`);
  return body
    .split('\n')
    .filter(
      (l) =>
        (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) &&
        labels.every((p) => l.includes(p)),
    )
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}
