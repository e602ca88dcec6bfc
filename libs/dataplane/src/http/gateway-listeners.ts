// An edge router's Gateway listeners: one server per listener port, HTTP or HTTPS with certificates
// read from files, kept in step with the Gateway and with the certificate files.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Gateway, Listener, SecretObjectReference } from '@app/protocol';
import { watchManifestFolder, type Logger } from '@app/runtime';
import type { DataPlaneEngine } from '../engine.js';
import type { HttpListener } from './http-listener.js';
import { SniCertificates, type CertificateKeyPair, type SniEntry } from './sni-certificates.js';

export interface GatewayListenersOptions {
  /** `namespace/name` of the Gateway served, for messages. */
  readonly gateway: string;
  /** Folder of certificate Secrets: `<certDir>/<secret name>/tls.crt` and `tls.key`. */
  readonly certDir: string | undefined;
  readonly bindAddress: string;
}

interface OpenPort {
  readonly listener: HttpListener;
  readonly protocol: Listener['protocol'];
  /** The PEM text its certificates came from, to skip reloads that change nothing. */
  pem: string;
}

/**
 * Reconciles are serialized. A port whose certificates cannot be read keeps serving with the last
 * good ones (or stays closed if it never had any); `onReady` says whether every listener is served.
 */
export class GatewayListeners {
  private readonly open = new Map<number, OpenPort>();
  private readonly watches = new Map<string, () => void>();
  private gateway: Gateway | undefined;
  private listenersKey: string | undefined;
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly engine: DataPlaneEngine,
    private readonly options: GatewayListenersOptions,
    private readonly log: Logger,
    private readonly onReady: (ready: boolean) => void,
  ) {}

  /** Follows the route table: acts when the Gateway's listeners change, not on every route change. */
  start(): void {
    this.engine.routes.watch((table) => this.follow(table.gateway?.gateway));
    this.follow(this.engine.routes.current.gateway?.gateway);
    if (this.options.certDir) this.watch(this.options.certDir);
  }

  /** Every open port drains together (see HttpListener.drain). */
  async drain(graceMs: number, timeoutMs: number): Promise<void> {
    this.stop();
    await Promise.all([...this.open.values()].map((p) => p.listener.drain(graceMs, timeoutMs)));
  }

  async close(): Promise<void> {
    this.stop();
    await Promise.all([...this.open.values()].map((p) => p.listener.close()));
  }

  private stop(): void {
    this.stopped = true;
    for (const unwatch of this.watches.values()) unwatch();
    this.watches.clear();
  }

  private follow(gateway: Gateway | undefined): void {
    const key = JSON.stringify(gateway?.spec.listeners ?? null);
    this.gateway = gateway;
    if (key === this.listenersKey) return;
    this.listenersKey = key;
    this.schedule();
  }

  private schedule(): void {
    this.queue = this.queue
      .then(() => (this.stopped ? undefined : this.reconcile()))
      .catch((err: Error) => this.log.error({ err: err.message }, 'gateway listeners failed'));
  }

  private async reconcile(): Promise<void> {
    const listeners = this.gateway?.spec.listeners ?? [];
    const byPort = new Map<number, Listener[]>();
    for (const l of listeners) byPort.set(l.port, [...(byPort.get(l.port) ?? []), l]);
    const problems = this.gateway ? [] : [`Gateway ${this.options.gateway} not found`];
    for (const [port, open] of this.open) {
      if (byPort.get(port)?.[0].protocol === open.protocol) continue;
      await open.listener.close();
      this.open.delete(port);
      this.log.info({ port }, 'gateway listener closed');
    }
    for (const [port, onPort] of byPort) {
      const problem = await this.serve(port, onPort);
      if (problem) problems.push(`port ${port}: ${problem}`);
    }
    this.followCertificates(listeners);
    if (problems.length > 0) this.log.error({ problems }, 'gateway listeners not all served');
    this.onReady(problems.length === 0);
  }

  /** Opens (or updates the certificates of) one port; the problem when it cannot. */
  private async serve(port: number, listeners: readonly Listener[]): Promise<string | undefined> {
    const protocol = listeners[0].protocol;
    let certificates: SniCertificates | undefined;
    let pem = '';
    if (protocol === 'HTTPS') {
      try {
        const entries = await this.readEntries(listeners);
        pem = JSON.stringify(entries);
        certificates = new SniCertificates(entries);
      } catch (err) {
        return (err as Error).message;
      }
    }
    const names = listeners.map((l) => l.name);
    const current = this.open.get(port);
    if (current) {
      if (certificates && pem !== current.pem) {
        current.listener.setCertificates(certificates);
        current.pem = pem;
        this.log.info({ port, listeners: names }, 'gateway certificates reloaded');
      }
      return undefined;
    }
    const listener = this.engine.gatewayListener(port, certificates);
    try {
      await listener.listen(port, this.options.bindAddress);
    } catch (err) {
      return (err as Error).message;
    }
    this.open.set(port, { listener, protocol, pem });
    this.log.info({ port, protocol, listeners: names }, 'gateway listener open');
    return undefined;
  }

  private readEntries(listeners: readonly Listener[]): Promise<SniEntry[]> {
    return Promise.all(
      listeners.map(async (l) => ({
        hostname: l.hostname,
        certificates: await Promise.all((l.tls?.certificateRefs ?? []).map((r) => this.read(r))),
      })),
    );
  }

  private async read(ref: SecretObjectReference): Promise<CertificateKeyPair> {
    const { certDir } = this.options;
    if (!certDir) throw new Error('HTTPS listeners need WEFT_CERT_DIR, the folder of certificates');
    const namespace = this.gateway!.metadata.namespace;
    if (ref.namespace !== undefined && ref.namespace !== namespace) {
      throw new Error(
        `certificateRef ${ref.namespace}/${ref.name}: only Secrets of the Gateway's namespace`,
      );
    }
    const folder = join(certDir, ref.name);
    const [cert, key] = await Promise.all([
      readFile(join(folder, 'tls.crt'), 'utf8'),
      readFile(join(folder, 'tls.key'), 'utf8'),
    ]);
    return { name: ref.name, cert, key };
  }

  /** Watches each referenced certificate folder; a change re-reads them all. */
  private followCertificates(listeners: readonly Listener[]): void {
    const { certDir } = this.options;
    if (!certDir || this.stopped) return;
    const folders = new Set(
      listeners.flatMap((l) => (l.tls?.certificateRefs ?? []).map((r) => join(certDir, r.name))),
    );
    folders.add(certDir);
    for (const [folder, unwatch] of this.watches) {
      if (folders.has(folder)) continue;
      unwatch();
      this.watches.delete(folder);
    }
    for (const folder of folders) if (!this.watches.has(folder)) this.watch(folder);
  }

  /** A folder that does not exist yet is watched once it appears (the parent's watch reconciles). */
  private watch(folder: string): void {
    try {
      this.watches.set(
        folder,
        watchManifestFolder(folder, () => this.schedule()),
      );
    } catch {
      // Missing: the certificate folder's own watch sees it appear.
    }
  }
}
