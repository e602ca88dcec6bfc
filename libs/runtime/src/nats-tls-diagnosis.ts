// Why a NATS connection over TLS keeps failing, said at a bounded rate: nats.js retries a failed dial without saying why, so the process checks its client certificate and tries the TLS handshake itself.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect as netConnect, isIP } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { Logger } from './logger.js';
import type { NatsTlsSettings } from './nats-tls.js';

/** At most one diagnosis this often, however fast nats.js retries. */
const DIAGNOSIS_EVERY_MS = 30_000;
/** The handshake tried for this long at most; no answer is no TLS reason. */
const HANDSHAKE_TIMEOUT_MS = 5_000;
/** TLS 1.3 tells a client its certificate was refused after the handshake: this long to hear it. */
const ALERT_WAIT_MS = 500;
/** The server's INFO line (sent in plaintext before the TLS upgrade) is a few KiB at most. */
const MAX_INFO_BYTES = 64 * 1024;

/**
 * Follows nats.js's dial loop (its `reconnectDelayHandler` is called before every dial, so each
 * call after the first of a loop means a dial failed) and, at most every 30 s while it fails, logs
 * why the TLS connection to the first server fails, if TLS is why.
 */
export class NatsTlsDiagnosis {
  private dials = 0;
  private last = Number.NEGATIVE_INFINITY;
  private running = false;

  constructor(
    private readonly settings: NatsTlsSettings,
    private readonly server: string,
    private readonly log: Logger,
  ) {}

  /** nats.js is about to dial. */
  dialing(): void {
    if (++this.dials === 1 || this.running || Date.now() - this.last < DIAGNOSIS_EVERY_MS) return;
    this.last = Date.now();
    this.running = true;
    void natsTlsProblem(this.server, this.settings)
      .then((reason) => {
        if (reason)
          this.log.warn({ server: this.server, reason }, 'NATS TLS connection failed; retrying');
      })
      .finally(() => (this.running = false));
  }

  /** Connected: the next dial loop starts afresh. */
  connected(): void {
    this.dials = 0;
  }
}

/**
 * Why a TLS connection to the NATS `server` (`host:port`, a URL or not) with `settings` fails, or
 * undefined when it does not (or fails for another reason: unreachable, no answer). The files are
 * read now, as nats.js reads them on every dial.
 */
export async function natsTlsProblem(
  server: string,
  settings: NatsTlsSettings,
): Promise<string | undefined> {
  const { WEFT_NATS_TLS_CA: ca, WEFT_NATS_TLS_CERT: cert, WEFT_NATS_TLS_KEY: key } = settings;
  try {
    if (cert) {
      const { validFrom, validTo } = new X509Certificate(readFileSync(cert));
      if (Date.parse(validTo) < Date.now()) return `WEFT_NATS_TLS_CERT expired on ${validTo}`;
      if (Date.parse(validFrom) > Date.now())
        return `WEFT_NATS_TLS_CERT is not valid before ${validFrom}`;
    }
    const url = new URL(server.includes('://') ? server : `nats://${server}`);
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    return await handshakeProblem(host, Number(url.port || 4222), {
      ca: ca ? readFileSync(ca) : undefined,
      cert: cert ? readFileSync(cert) : undefined,
      key: key ? readFileSync(key) : undefined,
    });
  } catch (err) {
    return (err as Error).message;
  }
}

/** The NATS TLS upgrade as nats.js makes it: the plaintext INFO line, then the handshake. */
function handshakeProblem(
  host: string,
  port: number,
  files: { ca?: Buffer; cert?: Buffer; key?: Buffer },
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    let tls: TLSSocket | undefined;
    let settled = false;
    const finish = (reason: string | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      tls?.destroy();
      socket.destroy();
      resolve(reason);
    };
    const timer = setTimeout(() => finish(undefined), HANDSHAKE_TIMEOUT_MS);
    socket.once('error', () => finish(undefined));
    let info = '';
    socket.on('data', (chunk: Buffer) => {
      info += chunk.toString('latin1');
      if (info.length > MAX_INFO_BYTES) return finish(undefined);
      if (!info.includes('\r\n')) return;
      socket.removeAllListeners('data');
      // nats.js names the server for the certificate check only when it is dialled by name.
      tls = tlsConnect({
        socket,
        servername: isIP(host) ? undefined : host,
        rejectUnauthorized: true,
        ...files,
      });
      tls.once('error', (err: Error) => finish(err.message));
      // A server refusing the client certificate sends an alert (nats-server) or just closes.
      tls.once('close', () =>
        finish(
          `the server closed the connection at the TLS handshake${files.cert ? ' (is WEFT_NATS_TLS_CERT signed by a CA it trusts?)' : ''}`,
        ),
      );
      tls.once('secureConnect', () => {
        if (!tls?.authorized) finish(String(tls?.authorizationError));
        else {
          // Read, so an alert refusing the client certificate is heard as an error.
          tls?.resume();
          setTimeout(() => finish(undefined), ALERT_WAIT_MS);
        }
      });
    });
  });
}
