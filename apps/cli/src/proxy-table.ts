// The proxy convergence table `weft status` and `weft get proxies` share; NACK reasons under their row.
import type { ProxyStatus } from '@app/protocol';
import { ago, formatTable, NONE } from './output.js';

export interface ProxyTableOptions {
  /** `weft get proxies` has kubectl's NAME and NAMESPACE columns; `weft status` folds the namespace into SERVICE. */
  readonly layout: 'status' | 'get';
  readonly wide?: boolean;
  readonly now?: number;
}

export function proxyTable(items: readonly ProxyStatus[], opts: ProxyTableOptions): string[] {
  const now = opts.now ?? Date.now();
  const get = opts.layout === 'get';
  const headers = [
    ...(get ? ['NAME', 'NAMESPACE'] : ['PROXY']),
    'MODE',
    'SERVICE',
    'REVISION',
    'STATUS',
    'LAST SEEN',
    'STALE',
    ...(opts.wide ? ['STATE'] : []),
  ];
  const rows = items.map((p) => [
    ...(get ? [p.id, p.namespace] : [p.id]),
    p.mode,
    get ? p.service : `${p.service}.${p.namespace}`,
    p.revision === null ? NONE : String(p.revision),
    p.status ?? NONE,
    ago(p.lastSeen, now),
    p.stale ? 'yes' : 'no',
    ...(opts.wide ? [p.state ?? NONE] : []),
  ]);
  const [header, ...lines] = formatTable(headers, rows);
  return [
    header,
    ...lines.flatMap((line, i) => {
      const p = items[i];
      return p.status === 'NACK' ? [line, `  error: ${p.error ?? 'no reason given'}`] : [line];
    }),
  ];
}
