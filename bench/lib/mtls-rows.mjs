// The 1-hop mTLS rows: one sidecar's inbound listener terminating mTLS from a caller that presents a
// mesh workload certificate, against the same inbound in plaintext, with connections kept alive
// and with a new connection per request (the handshake's cost); and the mTLS ÷ plaintext figures.
import { startHaproxy } from './haproxy.mjs';
import { meshClientCertificate } from './mesh-client-certificate.mjs';
import { freePort } from './net.mjs';
import { compareRows } from './results.mjs';
import { MESH_SERVICE, MTLS_SERVICE, startSidecar } from './weft.mjs';

/**
 * Fixed rate of the new-connection rows: a full handshake costs the inbound far more than a
 * request, and at the usual 2,000 a second the sidecar would be saturated, measuring queueing.
 */
const NEW_CONNECTION_RATE = 200;

/** haproxy opens a connection per request and closes it after the response. */
const CONNECTION_PER_REQUEST = ['option http-server-close', 'http-reuse never'];

/**
 * The front's server options towards the inbound: TLS 1.3 with the load client's workload
 * certificate, the inbound's certificate checked against the mesh roots, HTTP/1.1 by ALPN (what a
 * Weft caller offers an HTTP/1.1 Service). `no-ssl-reuse`: no session resumption, every new
 * connection a full handshake.
 */
function tlsOptions({ certificate, roots }, newConnections) {
  const options = `ssl crt ${certificate} ca-file ${roots} verify required ssl-min-ver TLSv1.3 alpn http/1.1`;
  return newConnections ? `${options} no-ssl-reuse` : options;
}

/**
 * A row calling a sidecar's inbound (service `up` under DISABLE, or `up-mtls` under STRICT)
 * through a front on the load core: haproxy (one thread), standing in for the caller's sidecar,
 * takes wrk's plaintext and opens the connections to the inbound (with mTLS: originating it). wrk
 * cannot present a client certificate. The front's CPU is not the proxy's: it is counted as the
 * bench's own (`helpers`), not as other work.
 */
function inboundRow(id, label, { mtls, newConnections }) {
  return {
    id,
    label,
    missing: (ctx) => ctx.meshNote ?? ctx.tools.haproxy.note,
    start: async (ctx) => {
      const certificate = mtls ? await meshClientCertificate(ctx) : undefined;
      const up = await startSidecar(ctx.mesh, {
        service: mtls ? MTLS_SERVICE : MESH_SERVICE,
        appPort: ctx.upstreamPort,
        core: ctx.proxyCore,
        profileDir: ctx.profileDir?.(id),
      });
      const port = await freePort();
      const front = startHaproxy({
        haproxyPath: ctx.tools.haproxy.path,
        workDir: ctx.workDir,
        core: ctx.loadCore,
        port,
        upstreamPort: up.inboundPort,
        name: `front-${id}`,
        serverOptions: certificate ? tlsOptions(certificate, newConnections) : '',
        backendLines: newConnections ? CONNECTION_PER_REQUEST : [],
      });
      return {
        procs: [up.proc],
        helpers: [front],
        port,
        ...(newConnections && { rate: NEW_CONNECTION_RATE }),
      };
    },
  };
}

export const MTLS_ROWS = [
  inboundRow('weft-1hop-plain', 'Weft inbound (1 hop), plaintext', {}),
  inboundRow('weft-1hop-mtls', 'Weft inbound (1 hop), mTLS', { mtls: true }),
  inboundRow('weft-1hop-plain-conn', 'Weft inbound, plaintext, new conn/req', {
    newConnections: true,
  }),
  inboundRow('weft-1hop-mtls-conn', 'Weft inbound, mTLS, full handshake/req', {
    mtls: true,
    newConnections: true,
  }),
];

const round1 = (value) => Math.round(value * 10) / 10;

/**
 * The inbound's CPU per new connection from `cpu(row)`: a new-connection row's CPU per request minus
 * its kept-alive row's, in plaintext (`plaintextSetupUs`), with a full mTLS handshake
 * (`mtlsHandshakeUs`) and their difference, the handshake itself; null when neither pair ran.
 */
function perConnection(row, cpu) {
  const cost = (conn, kept) =>
    row(conn) && row(kept) && cpu(row(conn)) !== null
      ? round1(cpu(row(conn)) - cpu(row(kept)))
      : null;
  const plaintextUs = cost('weft-1hop-plain-conn', 'weft-1hop-plain');
  const mtlsUs = cost('weft-1hop-mtls-conn', 'weft-1hop-mtls');
  if (plaintextUs === null && mtlsUs === null) return null;
  return {
    plaintextSetupUs: plaintextUs,
    mtlsHandshakeUs: mtlsUs,
    handshakeOverPlaintextUs:
      plaintextUs === null || mtlsUs === null ? null : round1(mtlsUs - plaintextUs),
  };
}

/**
 * mTLS against plaintext from the summarized rows of one run: `oneHop` and `twoHops` (mTLS ÷
 * plaintext: rps, CPU per request, p50, p99), and the inbound's CPU per new connection from the
 * saturation runs (`connection`) and, when the new-connection rows ran at the same fixed rate as
 * the kept-alive ones (`--rate 200`), from the fixed-rate runs (`connectionAtFixedRate`: the
 * sidecar's own background work per request is then the same on both sides and cancels out).
 * Null parts did not run.
 */
export function mtlsVersusPlaintext(rows) {
  const row = (id) => rows.find((r) => r.id === id && r.rps);
  const pair = (plain, mtls) =>
    row(plain) && row(mtls) ? compareRows(row(mtls), row(plain)) : null;
  const sameRate = (conn, kept) =>
    row(conn) && row(kept) && row(conn).fixedRateTargetRps === row(kept).fixedRateTargetRps;
  const atFixedRate =
    sameRate('weft-1hop-plain-conn', 'weft-1hop-plain') &&
    sameRate('weft-1hop-mtls-conn', 'weft-1hop-mtls');
  const result = {
    oneHop: pair('weft-1hop-plain', 'weft-1hop-mtls'),
    twoHops: pair('weft-2hop', 'weft-2hop-mtls'),
    connection: perConnection(row, (r) => r.cpuUsPerRequest),
    connectionAtFixedRate: atFixedRate
      ? perConnection(row, (r) => r.fixedRateCpuUsPerRequest)
      : null,
  };
  return Object.values(result).some(Boolean) ? result : null;
}

/** The comparison as lines for stdout. */
export function renderMtls({ oneHop, twoHops, connection, connectionAtFixedRate }) {
  const ratios = (r) =>
    `CPU/req ${r.cpuUsPerRequestRatio}× (at the fixed rate ${r.fixedRateCpuUsPerRequestRatio}×), ` +
    `rps ${r.rpsRatio}×, p50 ${r.p50Ratio}×, p99 ${r.p99Ratio}×`;
  const lines = ['mTLS ÷ plaintext, same run:'];
  if (oneHop) lines.push(`  1 hop (inbound): ${ratios(oneHop)}`);
  if (twoHops) lines.push(`  2 hops:          ${ratios(twoHops)}`);
  const us = (value) => (value === null ? '—' : `${value} µs`);
  for (const [figures, when] of [
    [connection, 'saturation'],
    [connectionAtFixedRate, 'fixed rate'],
  ]) {
    if (!figures) continue;
    lines.push(
      `  inbound CPU per new connection (${when}): plaintext ${us(figures.plaintextSetupUs)}, ` +
        `mTLS full handshake ${us(figures.mtlsHandshakeUs)} ` +
        `(the handshake: ${us(figures.handshakeOverPlaintextUs)})`,
    );
  }
  return lines.join('\n');
}
