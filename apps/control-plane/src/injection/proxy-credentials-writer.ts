// Creates a meshed pod's missing proxy credentials Secret in the background: the webhook answers at once, the kubelet retries the Secret volume until it exists.
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiException, CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import type { WorkloadIdentity } from '@app/protocol/nats-permissions.js';
import type { Logger } from '@app/runtime';
import type { MintedUser } from '@app/runtime/nats-user-minting.js';
import { proxyCredentialsSecret, type ProxySecretTarget } from './proxy-credentials-secret.js';

/** The two calls the writer makes to the API server. */
export interface CredentialsApi {
  /** The ServiceAccount's uid (the Secret's owner), or undefined when it does not exist. */
  serviceAccountUid(namespace: string, name: string): Promise<string | undefined>;
  /** `exists` when a Secret of that name is already there (409): it is never overwritten. */
  createSecret(secret: V1Secret): Promise<'created' | 'exists'>;
}

export type CredentialsOutcome = 'created' | 'exists' | 'no-service-account' | 'failed' | 'busy';

export interface WriterOptions {
  /** Secrets being written at once; a pod beyond it is logged and left (the next pod retries). */
  readonly maxInFlight: number;
  /** The waits before each retry of a failed attempt (the API server down, a 5xx). */
  readonly retryDelaysMs: readonly number[];
}

export const WRITER_DEFAULTS: WriterOptions = {
  maxInFlight: 256,
  retryDelaysMs: [1_000, 2_000, 5_000, 10_000, 30_000],
};

export class ProxyCredentialsWriter {
  /** By `namespace/secret`: a rollout's pods share one write. */
  private readonly inFlight = new Map<string, Promise<CredentialsOutcome>>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly api: CredentialsApi,
    private readonly mint: (identity: WorkloadIdentity) => Promise<MintedUser>,
    private readonly log: Logger,
    private readonly options: WriterOptions = WRITER_DEFAULTS,
  ) {}

  /** Starts writing the target's Secret unless it is already being written; never rejects. */
  ensure(target: ProxySecretTarget): Promise<CredentialsOutcome> {
    const key = `${target.identity.namespace}/${target.secretName}`;
    const running = this.inFlight.get(key);
    if (running) return running;
    if (this.inFlight.size >= this.options.maxInFlight || this.stopping.signal.aborted) {
      this.log.warn(
        { secret: key, inFlight: this.inFlight.size },
        'proxy credentials: too many Secrets being written; this one is left to the next pod',
      );
      return Promise.resolve('busy');
    }
    const work = this.write(target).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, work);
    return work;
  }

  /** Pending retries end (the process is stopping). */
  stop(): void {
    this.stopping.abort();
  }

  private async write(target: ProxySecretTarget): Promise<CredentialsOutcome> {
    const { namespace, serviceAccount } = target.identity;
    const secret = `${namespace}/${target.secretName}`;
    let user: MintedUser | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        const uid = await this.api.serviceAccountUid(namespace, serviceAccount);
        if (uid === undefined) {
          this.log.warn(
            { secret, serviceAccount },
            'proxy credentials: the ServiceAccount does not exist; no Secret created',
          );
          return 'no-service-account';
        }
        // Minted once: a retry sends the same user.
        user ??= await this.mint(target.identity);
        const outcome = await this.api.createSecret(proxyCredentialsSecret(target, uid, user));
        if (outcome === 'created') {
          this.log.info({ secret, tokenId: user.id, user: user.name }, 'proxy credentials minted');
        }
        return outcome;
      } catch (err) {
        const delay = this.options.retryDelaysMs[attempt];
        const reason = (err as Error).message;
        if (delay === undefined || this.stopping.signal.aborted) {
          this.log.error({ secret, err: reason }, 'proxy credentials: Secret not created');
          return 'failed';
        }
        this.log.warn({ secret, err: reason, retryInMs: delay }, 'proxy credentials: retrying');
        const waited = await sleep(delay, true, { signal: this.stopping.signal }).catch(
          () => false,
        );
        if (!waited) return 'failed';
      }
    }
  }
}

/** The API calls through `@kubernetes/client-node`, with the control plane's service account. */
export function kubernetesCredentialsApi(kubeConfig: KubeConfig): CredentialsApi {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const codeOf = (err: unknown) => (err instanceof ApiException ? err.code : undefined);
  return {
    async serviceAccountUid(namespace, name) {
      try {
        const account = await core.readNamespacedServiceAccount({ namespace, name });
        return account.metadata?.uid;
      } catch (err) {
        if (codeOf(err) === 404) return undefined;
        throw err;
      }
    },
    async createSecret(secret) {
      try {
        await core.createNamespacedSecret({
          namespace: secret.metadata!.namespace!,
          body: secret,
          fieldManager: 'weft-control-plane',
        });
        return 'created';
      } catch (err) {
        if (codeOf(err) === 409) return 'exists';
        throw err;
      }
    },
  };
}
