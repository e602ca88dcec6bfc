// The proxy credentials Secret writer: one Secret owned by its ServiceAccount, an existing one kept, one write per Secret at a time, a bounded number at once, retries that end.
import type { V1Secret } from '@kubernetes/client-node';
import { pino } from 'pino';
import type { WorkloadIdentity } from '@app/protocol/nats-permissions.js';
import type { MintedUser } from '@app/runtime/nats-user-minting.js';
import { ProxyCredentialsWriter, type CredentialsApi } from './proxy-credentials-writer.js';

const IDENTITY = { namespace: 'shop', service: 'api', serviceAccount: 'api-sa' };
const TARGET = { secretName: 'weft-proxy-api-sa', identity: IDENTITY };
const CREDS =
  '-----BEGIN NATS USER JWT-----\neyJ0eXAiOiJKV1QifQ.e30.sig\n------END NATS USER JWT------\n';

/** An API server holding ServiceAccounts and Secrets in memory; `failures` fail the next creates. */
class FakeApi implements CredentialsApi {
  readonly accounts = new Map([['shop/api-sa', 'uid-api-sa']]);
  readonly secrets = new Map<string, V1Secret>();
  readonly creates: string[] = [];
  failures = 0;
  /** Held creates: each resolves when the test releases it. */
  hold: (() => void)[] | undefined;

  serviceAccountUid(namespace: string, name: string): Promise<string | undefined> {
    return Promise.resolve(this.accounts.get(`${namespace}/${name}`));
  }

  async createSecret(secret: V1Secret): Promise<'created' | 'exists'> {
    const key = `${secret.metadata!.namespace}/${secret.metadata!.name}`;
    this.creates.push(key);
    if (this.hold) await new Promise<void>((release) => this.hold!.push(release));
    if (this.failures > 0) {
      this.failures--;
      throw new Error('HTTP-Code: 503 Service Unavailable');
    }
    if (this.secrets.has(key)) return 'exists';
    this.secrets.set(key, secret);
    return 'created';
  }
}

describe('ProxyCredentialsWriter', () => {
  const log = pino({ level: 'silent' });
  let api: FakeApi;
  let minted: WorkloadIdentity[];
  const mint = (identity: WorkloadIdentity): Promise<MintedUser> => {
    minted.push(identity);
    const id = `UUSER${minted.length}`;
    return Promise.resolve({ id, name: 'proxy', creds: new TextEncoder().encode(CREDS) });
  };
  const writer = (maxInFlight = 8, retryDelaysMs = [1, 1]) =>
    new ProxyCredentialsWriter(api, mint, log, { maxInFlight, retryDelaysMs });

  beforeEach(() => {
    api = new FakeApi();
    minted = [];
  });

  it('creates the Secret the proxy mounts, owned by its ServiceAccount, holding the minted creds', async () => {
    expect(await writer().ensure(TARGET)).toBe('created');
    expect(minted).toEqual([IDENTITY]);
    expect(api.secrets.get('shop/weft-proxy-api-sa')).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        name: 'weft-proxy-api-sa',
        namespace: 'shop',
        labels: { 'app.kubernetes.io/managed-by': 'weft' },
        annotations: {
          'weft.dev/service': 'api',
          'weft.dev/service-account': 'api-sa',
          'weft.dev/token-id': 'UUSER1',
        },
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ServiceAccount', name: 'api-sa', uid: 'uid-api-sa' },
        ],
      },
      data: { 'proxy.creds': Buffer.from(CREDS).toString('base64') },
    });
  });

  it('keeps a Secret that already exists (409), and creates none for a ServiceAccount that does not', async () => {
    const w = writer();
    await w.ensure(TARGET);
    const first = api.secrets.get('shop/weft-proxy-api-sa');
    expect(await w.ensure(TARGET)).toBe('exists');
    expect(api.secrets.get('shop/weft-proxy-api-sa')).toBe(first);

    const ghost = {
      secretName: 'weft-proxy-ghost',
      identity: { ...IDENTITY, serviceAccount: 'ghost' },
    };
    expect(await w.ensure(ghost)).toBe('no-service-account');
    expect(api.creates).not.toContain('shop/weft-proxy-ghost');
  });

  it("writes a Secret once while a rollout's pods ask for it together, and bounds the Secrets written at once", async () => {
    api.hold = [];
    const w = writer(2);
    const outcomes = [w.ensure(TARGET), w.ensure(TARGET), w.ensure(TARGET)];
    const other = { secretName: 'weft-proxy-web', identity: { ...IDENTITY, namespace: 'web' } };
    api.accounts.set('web/api-sa', 'uid-web');
    const second = w.ensure(other);
    // Two in flight: a third Secret is refused at once, not queued without end.
    const third = { secretName: 'weft-proxy-x', identity: { ...IDENTITY, serviceAccount: 'x' } };
    expect(await w.ensure(third)).toBe('busy');
    await new Promise((resolve) => setImmediate(resolve));
    for (const release of api.hold.splice(0)) release();
    api.hold = undefined;
    expect(await Promise.all(outcomes)).toEqual(['created', 'created', 'created']);
    expect(await second).toBe('created');
    expect(api.creates).toEqual(['shop/weft-proxy-api-sa', 'web/weft-proxy-web']);
    expect(minted).toHaveLength(2);
    // Done: the bound is free again.
    api.accounts.set('shop/x', 'uid-x');
    expect(await w.ensure(third)).toBe('created');
  });

  it('retries a failed create with the same user, and gives up after the last retry', async () => {
    api.failures = 2;
    expect(await writer(8, [1, 1]).ensure(TARGET)).toBe('created');
    expect(api.creates).toHaveLength(3);
    expect(minted).toHaveLength(1);
    const token =
      api.secrets.get('shop/weft-proxy-api-sa')!.metadata!.annotations!['weft.dev/token-id'];
    expect(token).toBe('UUSER1');

    api.failures = 3;
    const other = { ...TARGET, secretName: 'weft-proxy-other' };
    expect(await writer(8, [1, 1]).ensure(other)).toBe('failed');
    expect(api.secrets.has('shop/weft-proxy-other')).toBe(false);
  });

  it('ends a retry waiting when it stops', async () => {
    api.failures = 1;
    const w = writer(8, [60_000]);
    const outcome = w.ensure(TARGET);
    await new Promise((resolve) => setImmediate(resolve));
    w.stop();
    expect(await outcome).toBe('failed');
    expect(await w.ensure(TARGET)).toBe('busy');
  });
});
