// A mesh workload certificate for a load client that is not a sidecar (the TLS-originating front of
// the 1-hop mTLS rows): a sidecar of its own asks the mesh CA for it, the usual way (its key made
// locally, a CSR over NATS), and the bench takes the key and chain from that sidecar's disk cache.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './net.mjs';
import { stop } from './processes.mjs';
import { startSidecar } from './weft.mjs';

/** The Service whose identity the front presents (any mesh identity passes a STRICT inbound). */
const CLIENT_SERVICE = 'loadgen';
const IDENTITY_TIMEOUT_MS = 30_000;

/** The sidecar's cached identity (`<prefix>-identity-<proxy>-<namespace>-<account>.json`). */
function readIdentity(stateDir) {
  const file = readdirSync(stateDir).find((name) => /-identity-.*\.json$/.test(name));
  return file && JSON.parse(readFileSync(join(stateDir, file), 'utf8'));
}

/**
 * Files for a TLS client presenting `spiffe://…/sa/loadgen`: `certificate` (key, leaf and
 * intermediates in one PEM file, as haproxy's `crt` takes it) and `roots` (the trust bundle, to
 * verify the inbound's certificate). Made once per run (the leaf is valid for hours) and kept in
 * `ctx.clientCertificate`; the sidecar that asked for it is stopped again at once.
 */
export async function meshClientCertificate(ctx) {
  if (ctx.clientCertificate) return ctx.clientCertificate;
  const sidecar = await startSidecar(ctx.mesh, {
    service: CLIENT_SERVICE,
    appPort: ctx.upstreamPort,
    core: ctx.loadCore,
  });
  const stateDir = join(ctx.mesh.dir, sidecar.instanceId);
  let identity;
  try {
    await waitFor(
      `${CLIENT_SERVICE} certificate`,
      () => (identity = readIdentity(stateDir)),
      IDENTITY_TIMEOUT_MS,
    );
  } finally {
    await stop(sidecar.proc);
  }
  const certificate = join(ctx.workDir, `${CLIENT_SERVICE}.pem`);
  const roots = join(ctx.workDir, 'mesh-roots.pem');
  writeFileSync(certificate, [identity.key, ...identity.chain].join('\n'), { mode: 0o600 });
  writeFileSync(roots, identity.roots.join('\n'));
  ctx.clientCertificate = { certificate, roots, spiffeId: identity.spiffeId };
  return ctx.clientCertificate;
}
