// The bus row: the 2-hop mesh path with the callee's Service on the bus transport, measured in the
// same run as weft-2hop (same processes, same upstream) so the two compare as bus vs direct HTTP.
import { compareRows } from './results.mjs';
import { applyResources, startTwoHops } from './weft.mjs';

/** A Service of its own, so that the HTTP rows' `up` keeps direct HTTP. */
const BUS_SERVICE = 'upbus';

const BUS_SERVICE_RESOURCE = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: BUS_SERVICE, annotations: { 'weft.dev/transport': 'bus' } },
  spec: { selector: { app: BUS_SERVICE } },
};

export const busRow = {
  id: 'weft-2hop-bus',
  label: 'Weft sidecar→bus→sidecar (2 hops)',
  missing: (ctx) => ctx.meshNote,
  start: async (ctx) => {
    await applyResources(ctx.mesh, [BUS_SERVICE_RESOURCE]);
    return startTwoHops(ctx, BUS_SERVICE, 'weft-2hop-bus');
  },
};

/** Bus vs direct HTTP over the same two sidecars, from the summarized rows (null when one is missing). */
export function busVersusHttp(rows) {
  const http = rows.find((row) => row.id === 'weft-2hop' && row.rps);
  const bus = rows.find((row) => row.id === busRow.id && row.rps);
  return http && bus ? compareRows(bus, http) : null;
}
