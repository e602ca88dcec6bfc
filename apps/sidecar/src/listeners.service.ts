// The proxy's listeners: one inbound per workload (mesh → its local app), the shared outbound (local
// apps → mesh) and, in node mode, a workload's own outbound when it asks for one; each inbound's
// mutual TLS follows its workload's certificate and the mode its PeerAuthentications give it.
import { Inject, Injectable, Optional, type OnApplicationBootstrap } from '@nestjs/common';
import {
  CONFIG_FOLLOWER,
  DataPlaneEngine,
  InboundMtls,
  MeshTls,
  WorkloadIdentities,
  type ConfigFollower,
  type HttpListener,
  type MeshPolicies,
} from '@app/dataplane';
import { effectiveMtlsMode, serviceKey, Subjects } from '@app/protocol';
import { LOGGER, Readiness, TlsHandshakeFailures, type Logger } from '@app/runtime';
import { SidecarEnv } from './sidecar-env.dto.js';
import { Workloads, type Workload } from './workloads/workload.js';

/** A workload's inbound listener and the port it got. */
export interface Inbound {
  readonly workload: Workload;
  readonly listener: HttpListener;
  /** Its mutual TLS; undefined in standalone mode (no CA: plaintext). */
  readonly mtls: InboundMtls | undefined;
  port: number;
}

/** Readiness condition: every inbound that accepts TLS holds a certificate. */
const CERTIFICATES = 'certificates';

@Injectable()
export class ListenersService implements OnApplicationBootstrap {
  readonly outbound: HttpListener;
  /**
   * Node mode: the outbound listeners of workloads that have one, by instance id; each presents
   * its workload's certificate to the Services it calls.
   */
  readonly workloadOutbound = new Map<string, { workload: Workload; listener: HttpListener }>();
  /**
   * The ports this proxy listens on (admin now, its listeners' once bound): passthrough never sends
   * a request to them on one of its own addresses.
   */
  private readonly ownPorts = new Set<number>();
  /** By workload instance id. Each workload has a port of its own: the endpoint a caller picked is the port. */
  readonly inbound = new Map<string, Inbound>();
  /** Connections the inbound listeners refused before any request (plaintext to STRICT, …). */
  private readonly refusals: TlsHandshakeFailures;

  constructor(
    private readonly env: SidecarEnv,
    engine: DataPlaneEngine,
    workloads: Workloads,
    private readonly readiness: Readiness,
    @Inject(LOGGER) private readonly log: Logger,
    /** Reads the destination of a host the table does not know (none in standalone mode). */
    @Optional() @Inject(CONFIG_FOLLOWER) follower?: ConfigFollower,
    /** Its workloads' certificates (none in standalone mode). */
    @Optional() private readonly identities?: WorkloadIdentities,
  ) {
    this.refusals = new TlsHandshakeFailures(log);
    this.ownPorts.add(env.WEFT_ADMIN_PORT);
    const own = {
      ports: this.ownPorts,
      addresses: new Set([env.WEFT_ADVERTISE_ADDRESS, env.WEFT_BIND_ADDRESS]),
    };
    this.outbound = engine.outboundListener('outbound', follower, { own });
    const subjects = new Subjects(env.WEFT_SUBJECT_PREFIX);
    for (const workload of workloads.list) {
      // A sidecar's one listener keeps its name; a node proxy's are told apart by instance.
      const name = env.WEFT_MODE === 'node' ? `inbound-${workload.instanceId}` : 'inbound';
      const { namespace, service } = workload;
      const mtls = identities && this.mutualTls(workload);
      const listener = engine.inboundListener(
        name,
        workload.appAddress,
        workload.appPort,
        {
          service: serviceKey(namespace, service),
          namespace,
          labels: workload.labels,
          accessLogSubject: subjects.accessLog(namespace, service),
        },
        mtls,
      );
      this.inbound.set(workload.instanceId, { workload, listener, mtls, port: 0 });
      const caller = identities?.of(namespace, workload.serviceAccount);
      if (workload.outboundPort !== undefined && caller) {
        const outbound = engine.outboundListener(`outbound-${workload.instanceId}`, follower, {
          own,
          callerTls: new MeshTls(caller),
        });
        this.workloadOutbound.set(workload.instanceId, { workload, listener: outbound });
      }
    }
    readiness.require('listeners');
    if (identities) {
      readiness.require(CERTIFICATES);
      engine.policies.watch((policies) => this.takeModes(policies));
      this.checkCertificates();
    }
  }

  /** A workload's mutual TLS, fed its identity's certificate from now on. */
  private mutualTls(workload: Workload): InboundMtls {
    const mtls = new InboundMtls(this.refusals);
    const identity = this.identities!.of(workload.namespace, workload.serviceAccount)!;
    if (identity.current) mtls.setCertificate(identity.current);
    identity.on('change', (bundle) => {
      mtls.setCertificate(bundle);
      this.checkCertificates();
    });
    identity.on('expired', () => this.checkCertificates());
    return mtls;
  }

  /** Each inbound's mode from the policies just committed, for its next connections. */
  private takeModes(policies: MeshPolicies): void {
    const peerAuthentications = policies.ofKind('PeerAuthentication');
    for (const { workload, mtls } of this.inbound.values()) {
      if (!mtls) continue;
      const mode = effectiveMtlsMode(peerAuthentications, workload);
      if (mode !== mtls.mode)
        this.log.info({ workload: workload.instanceId, mode }, 'inbound mTLS mode');
      mtls.mode = mode;
    }
    this.checkCertificates();
  }

  /**
   * Not ready while an inbound that accepts TLS (STRICT, PERMISSIVE) lacks a valid certificate:
   * callers would fail its handshakes.
   */
  private checkCertificates(): void {
    const identities = this.identities;
    if (!identities) return;
    const held = [...this.inbound.values()].every(({ workload, mtls }) => {
      if (!mtls || mtls.mode === 'DISABLE') return true;
      return identities.of(workload.namespace, workload.serviceAccount)?.hasCertificate() === true;
    });
    this.readiness.set(CERTIFICATES, held);
  }

  async onApplicationBootstrap(): Promise<void> {
    const outboundPort = await this.outbound.listen(this.env.WEFT_OUTBOUND_PORT, '127.0.0.1');
    for (const inbound of this.inbound.values()) {
      inbound.port = await inbound.listener.listen(
        inbound.workload.inboundPort,
        this.env.WEFT_BIND_ADDRESS,
      );
    }
    const workloadOutboundPorts: number[] = [];
    for (const { workload, listener } of this.workloadOutbound.values()) {
      await listener.listen(workload.outboundPort!, '127.0.0.1');
      workloadOutboundPorts.push(workload.outboundPort!);
    }
    const inboundPorts = [...this.inbound.values()].map((i) => i.port);
    for (const port of [outboundPort, ...inboundPorts, ...workloadOutboundPorts]) {
      this.ownPorts.add(port);
    }
    this.readiness.set('listeners', true);
    this.log.info({ outboundPort, inboundPorts }, 'proxy listeners up');
  }

  /** Drains every listener together (see HttpListener.drain). */
  async drain(): Promise<void> {
    const { WEFT_DRAIN_GRACE_MS: grace, WEFT_DRAIN_TIMEOUT_MS: timeout } = this.env;
    const all = [
      this.outbound,
      ...[...this.workloadOutbound.values()].map((o) => o.listener),
      ...[...this.inbound.values()].map((i) => i.listener),
    ];
    await Promise.all(all.map((l) => l.drain(grace, timeout)));
  }
}
