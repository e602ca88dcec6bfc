// The convergence table: one row per proxy, the NACK reason on the line below its row.
import type { ProxyStatus } from '@app/protocol';
import { proxyTable } from './proxy-table.js';

const now = Date.parse('2025-01-01T12:00:00Z');
const proxy = (over: Partial<ProxyStatus>): ProxyStatus => ({
  id: 'a1',
  mode: 'sidecar',
  namespace: 'default',
  service: 'a',
  revision: 3,
  status: 'ACK',
  error: null,
  state: 'ready',
  lastSeen: '2025-01-01T11:59:58Z',
  stale: false,
  ...over,
});

describe('proxyTable', () => {
  it('shows status rows with the service.namespace, and the NACK reason below its row', () => {
    const lines = proxyTable(
      [
        proxy({}),
        proxy({ id: 'b1', service: 'b', status: 'NACK', error: 'HTTPRoute/default/r bad' }),
        proxy({ id: 'c1', revision: null, status: null, stale: true }),
      ],
      { layout: 'status', now },
    );
    expect(lines).toEqual([
      'PROXY   MODE      SERVICE     REVISION   STATUS   LAST SEEN   STALE',
      'a1      sidecar   a.default   3          ACK      2s ago      no',
      'b1      sidecar   b.default   3          NACK     2s ago      no',
      '  error: HTTPRoute/default/r bad',
      'c1      sidecar   a.default   —          —        2s ago      yes',
    ]);
  });

  it('has NAME and NAMESPACE columns for get, and STATE when wide', () => {
    const [header, row] = proxyTable([proxy({})], { layout: 'get', wide: true, now });
    expect(header.split(/\s{2,}/)).toEqual([
      'NAME',
      'NAMESPACE',
      'MODE',
      'SERVICE',
      'REVISION',
      'STATUS',
      'LAST SEEN',
      'STALE',
      'STATE',
    ]);
    expect(row.split(/\s{2,}/)).toEqual([
      'a1',
      'default',
      'sidecar',
      'a',
      '3',
      'ACK',
      '2s ago',
      'no',
      'ready',
    ]);
  });
});
