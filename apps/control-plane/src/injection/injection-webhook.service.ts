// The sidecar injection webhook: an HTTPS server (the API server calls only HTTPS webhooks) answering AdmissionReviews on POST /inject.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { dirname } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { formatErrors, Subjects } from '@app/protocol';
import { LOGGER, watchManifestFolder, type Logger } from '@app/runtime';
import { mintEntitledUser } from '@app/runtime/nats-user-minting.js';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import { loadKubeConfig } from '../kubernetes/kube-config.js';
import { answerReview, type OnInjected } from './admission-review.js';
import { loadUserIssuer } from './proxy-credentials-issuer.js';
import { kubernetesCredentialsApi, ProxyCredentialsWriter } from './proxy-credentials-writer.js';
import type { InjectionSettings } from './sidecar-injection.js';

export const INJECT_PATH = '/inject';
/** The API server sends at most about 3 MiB of object; a review beyond this is refused unread. */
const MAX_REVIEW_BYTES = 4 * 1024 * 1024;
const MIN_TLS_VERSION = 'TLSv1.2';

@Injectable()
export class InjectionWebhook implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: Server | undefined;
  /** The certificate and key in use, to skip a reload that changes nothing. */
  private serving: { cert: Buffer; key: Buffer } | undefined;
  private stopWatching: (() => void)[] = [];
  /** With WEFT_NATS_ACCOUNT_SIGNING_KEY_FILE: creates the missing proxy credentials Secrets. */
  private credentials: ProxyCredentialsWriter | undefined;

  constructor(
    private readonly env: ControlPlaneEnv,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const env = this.env;
    if (env.WEFT_INJECTION_PORT === 0) return;
    const [cert, key] = await Promise.all([
      readFile(env.WEFT_INJECTION_TLS_CERT!),
      readFile(env.WEFT_INJECTION_TLS_KEY!),
    ]);
    const settings: InjectionSettings = {
      image: env.WEFT_INJECTION_IMAGE!,
      imagePullPolicy: env.WEFT_INJECTION_IMAGE_PULL_POLICY,
      natsUrl: env.NATS_URL,
      subjectPrefix: env.WEFT_SUBJECT_PREFIX,
      trustDomain: env.WEFT_TRUST_DOMAIN,
      logLevel: env.WEFT_LOG_LEVEL,
      cluster: env.WEFT_CLUSTER,
      natsTls: env.WEFT_INJECTION_NATS_TLS_SECRET
        ? {
            secretName: env.WEFT_INJECTION_NATS_TLS_SECRET,
            clientCertificate: env.WEFT_INJECTION_NATS_TLS_CLIENT_CERT === 'true',
          }
        : undefined,
    };
    const onInjected = await this.credentialsWriter();
    this.serving = { cert, key };
    const server = createServer({ cert, key, minVersion: MIN_TLS_VERSION }, (req, res) => {
      this.handle(req, res, settings, onInjected).catch((err: Error) => {
        this.log.error({ err: err.message }, 'injection webhook: request failed');
        if (!res.headersSent) reply(res, 500, { error: 'internal error' });
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(env.WEFT_INJECTION_PORT, env.WEFT_BIND_ADDRESS, () => resolve());
    });
    // A Secret volume is updated by swapping a symlink in its folder: watch the folders, not the files.
    const folders = new Set(
      [env.WEFT_INJECTION_TLS_CERT!, env.WEFT_INJECTION_TLS_KEY!].map(dirname),
    );
    this.stopWatching = [...folders].map((dir) =>
      watchManifestFolder(dir, () => void this.reloadCertificate(server)),
    );
    this.log.info(
      {
        port: env.WEFT_INJECTION_PORT,
        image: settings.image,
        mintsCredentials: onInjected !== undefined,
      },
      'sidecar injection webhook listening',
    );
  }

  /**
   * With the account signing key, each pod injected for real gets its proxy's Secret created when
   * missing, minted for exactly its namespace, Service and service account, in the background.
   */
  private async credentialsWriter(): Promise<OnInjected | undefined> {
    const env = this.env;
    if (env.WEFT_NATS_ACCOUNT_SIGNING_KEY_FILE === undefined || env.WEFT_KUBERNETES === 'off')
      return undefined;
    const issuer = await loadUserIssuer(
      env.WEFT_NATS_ACCOUNT_SIGNING_KEY_FILE,
      env.WEFT_NATS_CREDS!,
    );
    const subjects = new Subjects(env.WEFT_SUBJECT_PREFIX);
    const writer = new ProxyCredentialsWriter(
      kubernetesCredentialsApi(loadKubeConfig(env.WEFT_KUBERNETES)),
      (identity) => mintEntitledUser(issuer, subjects, { role: 'proxy', identity }),
      this.log,
    );
    this.credentials = writer;
    return (namespace, options) =>
      void writer.ensure({
        secretName: options.credsSecret,
        identity: { namespace, service: options.service, serviceAccount: options.serviceAccount },
      });
  }

  /**
   * A rotated certificate (cert-manager, the chart's upgrade) is served from the next handshake on,
   * without a restart. A pair that does not match (the certificate written, not yet its key) is
   * refused and the old one kept; the key's own change brings the next try.
   */
  private async reloadCertificate(server: Server): Promise<void> {
    try {
      const [cert, key] = await Promise.all([
        readFile(this.env.WEFT_INJECTION_TLS_CERT!),
        readFile(this.env.WEFT_INJECTION_TLS_KEY!),
      ]);
      if (this.serving && cert.equals(this.serving.cert) && key.equals(this.serving.key)) return;
      server.setSecureContext({ cert, key, minVersion: MIN_TLS_VERSION });
      this.serving = { cert, key };
      const { validTo, fingerprint256 } = new X509Certificate(cert);
      this.log.info({ validTo, fingerprint256 }, 'injection webhook: certificate reloaded');
    } catch (err) {
      this.log.warn(
        { err: (err as Error).message },
        'injection webhook: new certificate not loaded; the previous one stays',
      );
    }
  }

  async onApplicationShutdown(): Promise<void> {
    for (const stop of this.stopWatching) stop();
    this.stopWatching = [];
    this.credentials?.stop();
    const server = this.server;
    if (server === undefined) return;
    // The API server keeps its connections open: close them, or close() waits for them.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private async handle(
    req: IncomingMessage,
    res: ServerResponse,
    settings: InjectionSettings,
    onInjected: OnInjected | undefined,
  ): Promise<void> {
    if (req.url?.split('?')[0] !== INJECT_PATH || req.method !== 'POST') {
      reply(res, 404, { error: `POST ${INJECT_PATH} only` });
      req.resume();
      return;
    }
    const body = await readBounded(req);
    if (body === undefined) {
      reply(res, 413, { error: `the review exceeds ${MAX_REVIEW_BYTES} bytes` });
      return;
    }
    let review: unknown;
    try {
      review = JSON.parse(body);
    } catch (err) {
      reply(res, 400, { error: `the body is not JSON: ${(err as Error).message}` });
      return;
    }
    const answer = answerReview(review, settings, onInjected);
    if (!answer.ok) {
      reply(res, 400, { error: formatErrors(answer.errors) });
      return;
    }
    const { response } = answer.value;
    if (!response.allowed)
      this.log.warn({ reason: response.status?.message }, 'injection refused a pod');
    reply(res, 200, answer.value);
  }
}

/** The body as text, or undefined once it passes the bound (the rest is not read). */
async function readBounded(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REVIEW_BYTES) {
      req.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
