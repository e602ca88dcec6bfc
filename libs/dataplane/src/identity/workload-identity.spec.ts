import { jest } from '@jest/globals';
import { webcrypto } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { connect as tlsConnect, createServer as tlsServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CaSignRequest,
  certificateFingerprint,
  decodeMessage,
  encode,
  PROTOCOL_VERSION,
  spiffeId,
  type CaSignReply,
} from '@app/protocol';
import {
  BasicConstraintsExtension,
  ECDSA_P256,
  generateP256KeyPair,
  Pkcs10CertificateRequest,
  SubjectAlternativeNameExtension,
  X509CertificateGenerator,
  type X509Certificate,
} from '@app/protocol/identity/pki.js';
import type { Logger } from '@app/runtime';
import { secureContextOptions } from './certificate-bundle.js';
import { IdentityCache } from './identity-cache.js';
import { WorkloadIdentity } from './workload-identity.js';

const ID = spiffeId('cluster.local', 'shop', 'checkout');
const TTL_MS = 100_000;
const log = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
} as unknown as Logger;

/** A CA in the test: signs each CSR's own SAN (or `forceId`) for TTL_MS; `down` refuses. */
class TestCa {
  down = false;
  forceId: string | undefined;
  readonly issued: X509Certificate[] = [];
  private constructor(
    readonly root: X509Certificate,
    private readonly key: webcrypto.CryptoKey,
  ) {}

  static async make(): Promise<TestCa> {
    const keys = await generateP256KeyPair();
    const root = await X509CertificateGenerator.createSelfSigned({
      name: `CN=test root ${Math.random()}`,
      keys,
      signingAlgorithm: ECDSA_P256,
      extensions: [new BasicConstraintsExtension(true, 0, true)],
    });
    return new TestCa(root, keys.privateKey);
  }

  get pem(): string {
    return this.root.toString('pem');
  }

  readonly request = async (csrPem: string): Promise<Uint8Array> => {
    if (this.down) return encode({ v: PROTOCOL_VERSION, error: 'the CA is down' });
    const parsed = decodeMessage(
      CaSignRequest,
      encode({ v: PROTOCOL_VERSION, csr: csrPem }),
      'test',
    );
    if (!parsed.ok) throw new Error('bad CSR message');
    const csr = new Pkcs10CertificateRequest(csrPem);
    const leaf = await X509CertificateGenerator.create({
      subject: '',
      issuer: this.root.subject,
      publicKey: csr.publicKey,
      signingKey: this.key,
      signingAlgorithm: ECDSA_P256,
      notBefore: new Date(Date.now()),
      notAfter: new Date(Date.now() + TTL_MS),
      extensions: [
        new SubjectAlternativeNameExtension([{ type: 'url', value: this.forceId ?? ID }], true),
      ],
    });
    this.issued.push(leaf);
    const reply: CaSignReply = {
      v: PROTOCOL_VERSION,
      chain: [leaf.toString('pem')],
      roots: [this.pem],
    };
    return encode(reply);
  };
}

/**
 * Lets real async work (webcrypto on the thread pool, file writes) finish under fake timers; the
 * bound, on the real clock, only catches a hang.
 */
async function settle(until: () => boolean): Promise<void> {
  const start = process.hrtime.bigint();
  while (!until()) {
    if (process.hrtime.bigint() - start > 20_000_000_000n) throw new Error('did not settle');
    await new Promise((r) => setImmediate(r));
  }
}

// Above settle()'s hang bound: webcrypto on a busy machine is slow, never wrong.
jest.setTimeout(30_000);

describe('WorkloadIdentity', () => {
  let dir: string;
  let ca: TestCa;
  let identity: WorkloadIdentity;

  beforeEach(async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    dir = await mkdtemp(join(tmpdir(), 'weft-identity-'));
    ca = await TestCa.make();
  });

  afterEach(async () => {
    identity?.stop();
    jest.restoreAllMocks();
    jest.useRealTimers();
    // A renewal stopped mid-write may still land its file: retry as rm -rf would.
    await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  const make = (
    file = join(dir, 'id.json'),
    request = (csr: string) => ca.request(csr),
  ): WorkloadIdentity =>
    new WorkloadIdentity({
      spiffeId: ID,
      cache: new IdentityCache(file),
      request,
      log,
      random: () => 0,
    });

  it('gets a leaf for its identity at start and caches key and leaf with mode 0600', async () => {
    identity = make();
    const changes: string[] = [];
    identity.on('change', (b) => changes.push(b.serial));
    await identity.start();
    await jest.advanceTimersByTimeAsync(0);
    await settle(() => identity.hasCertificate());
    expect(changes).toEqual([ca.issued[0].serialNumber]);
    expect(identity.current?.issuer).toBe(certificateFingerprint(ca.pem));
    const mode = (await stat(join(dir, 'id.json'))).mode & 0o777;
    expect(mode).toBe(0o600);
  });

  it('renews at half life, not before', async () => {
    identity = make();
    await identity.start();
    await jest.advanceTimersByTimeAsync(0);
    await settle(() => ca.issued.length === 1 && identity.hasCertificate());
    const first = identity.current?.serial;
    await jest.advanceTimersByTimeAsync(TTL_MS * 0.5 - 1_000);
    expect(ca.issued).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1_000);
    await settle(() => identity.current?.serial !== first);
    expect(ca.issued).toHaveLength(2);
    expect(identity.current?.serial).toBe(ca.issued[1].serialNumber);
  });

  it('keeps the current leaf while renewals fail, backing off, until it expires; then recovers', async () => {
    identity = make();
    const expired = jest.fn();
    identity.on('expired', expired);
    await identity.start();
    await jest.advanceTimersByTimeAsync(0);
    await settle(() => identity.hasCertificate());
    const serial = identity.current?.serial;
    ca.down = true;
    const attempts = jest.spyOn(ca, 'request');
    await jest.advanceTimersByTimeAsync(TTL_MS * 0.5);
    await settle(() => attempts.mock.calls.length === 1);
    // Retries at 1 s, 2 s, 4 s after each failure (random() = 0: no jitter).
    for (const wait of [1_000, 2_000, 4_000]) {
      await jest.advanceTimersByTimeAsync(wait - 1);
      const before = attempts.mock.calls.length;
      await jest.advanceTimersByTimeAsync(1);
      await settle(() => attempts.mock.calls.length === before + 1);
    }
    expect(identity.hasCertificate()).toBe(true);
    expect(identity.current?.serial).toBe(serial);
    await jest.advanceTimersByTimeAsync(TTL_MS * 0.5);
    expect(expired).toHaveBeenCalled();
    expect(identity.hasCertificate()).toBe(false);
    ca.down = false;
    await jest.advanceTimersByTimeAsync(30_000);
    await settle(() => identity.hasCertificate());
    expect(identity.current?.serial).not.toBe(serial);
  });

  it('starts from its disk cache while the CA is away, then takes a fresh leaf', async () => {
    const file = join(dir, 'cold.json');
    const first = make(file);
    await first.start();
    await jest.advanceTimersByTimeAsync(0);
    await settle(() => first.hasCertificate());
    first.stop();
    ca.down = true;
    const refused = jest.spyOn(ca, 'request');
    identity = make(file);
    await identity.start();
    expect(identity.hasCertificate()).toBe(true);
    expect(identity.current?.serial).toBe(first.current?.serial);
    // The CA refuses for now: the cached leaf keeps serving through the retries.
    await jest.advanceTimersByTimeAsync(0);
    await settle(() => refused.mock.calls.length === 1);
    await jest.advanceTimersByTimeAsync(1_000);
    await settle(() => refused.mock.calls.length === 2);
    expect(identity.current?.serial).toBe(first.current?.serial);
    ca.down = false;
    await jest.advanceTimersByTimeAsync(2_000);
    await settle(() => identity.current?.serial !== first.current?.serial);
    expect(identity.current?.serial).toBe(ca.issued[1].serialNumber);
  });

  it('refuses a leaf for another identity and keeps asking', async () => {
    ca.forceId = spiffeId('cluster.local', 'shop', 'payments');
    const warned = jest.spyOn(log, 'warn');
    identity = make();
    await identity.start();
    await jest.advanceTimersByTimeAsync(0);
    // The refusal is logged as the retry is scheduled: only then may the clock move on.
    await settle(() => warned.mock.calls.length === 1);
    expect(ca.issued).toHaveLength(1);
    expect(identity.hasCertificate()).toBe(false);
    ca.forceId = undefined;
    await jest.advanceTimersByTimeAsync(1_000);
    await settle(() => identity.hasCertificate());
  });

  it('trusts an announced bundle and renews when another root signs', async () => {
    identity = make();
    await identity.start();
    await jest.advanceTimersByTimeAsync(0);
    await settle(() => identity.hasCertificate());
    const first = identity.current?.serial;
    const next = await TestCa.make();
    const changes: number[] = [];
    identity.on('change', (b) => changes.push(b.roots.length));
    await identity.onTrustBundle({
      v: PROTOCOL_VERSION,
      roots: [ca.pem, next.pem],
      signer: certificateFingerprint(next.pem),
    });
    expect(changes).toEqual([2]);
    expect(identity.trust()?.roots).toEqual([
      certificateFingerprint(ca.pem),
      certificateFingerprint(next.pem),
    ]);
    // random() = 0: the renewal is due at once.
    await jest.advanceTimersByTimeAsync(0);
    await settle(() => ca.issued.length === 2 && identity.current?.serial !== first);
    expect(identity.current?.serial).toBe(ca.issued[1].serialNumber);
  });

  it('hands listeners a bundle that TLS 1.3 servers and clients verify each other with', async () => {
    identity = make();
    await identity.start();
    await jest.advanceTimersByTimeAsync(0);
    await settle(() => identity.hasCertificate());
    const bundle = identity.current;
    if (!bundle) throw new Error('no bundle');
    jest.useRealTimers();
    const tls = { ...secureContextOptions(bundle), minVersion: 'TLSv1.3' as const };
    const server = tlsServer({ ...tls, requestCert: true, rejectUnauthorized: true }, (socket) =>
      socket.end(
        String((socket.getPeerCertificate() as { subjectaltname?: string }).subjectaltname),
      ),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const socket: TLSSocket = tlsConnect({
        ...tls,
        port,
        host: '127.0.0.1',
        checkServerIdentity: () => undefined,
      });
      let answer = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
      await new Promise((r) => socket.once('end', r));
      expect(socket.authorized).toBe(true);
      expect(answer).toBe(`URI:${ID}`);
    } finally {
      server.close();
    }
  });
});
