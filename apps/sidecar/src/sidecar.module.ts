// Wires the sidecar: runtime (logs, NATS, admin), engine and config, listeners per workload,
// heartbeats, bus responders, drain.
import { Module, type DynamicModule } from '@nestjs/common';
import { DataPlaneModule, IdentityModule } from '@app/dataplane';
import { RuntimeModule, type Logger } from '@app/runtime';
import { AppHealthController, AppProbes } from './app-health.controller.js';
import { AppProbeService } from './app-probe.service.js';
import { BusResponderService } from './bus-responder.service.js';
import { DrainService } from './drain.service.js';
import { HeartbeatService } from './heartbeat.service.js';
import { ListenersService } from './listeners.service.js';
import { SidecarEnv } from './sidecar-env.dto.js';
import { Workloads } from './workloads/workload.js';

@Module({})
export class SidecarModule {
  static forRoot(env: SidecarEnv, workloads: Workloads, log: Logger): DynamicModule {
    const identity = {
      proxyId: env.instanceId,
      mode: env.WEFT_MODE,
      namespace: env.WEFT_NAMESPACE,
      service: env.WEFT_SERVICE || env.WEFT_MODE,
    };
    return {
      module: SidecarModule,
      imports: [
        RuntimeModule.forRoot({
          env,
          log,
          component: 'sidecar',
          instanceId: env.instanceId,
          traceService: `${identity.service}.${identity.namespace}`,
          discovery: {
            mode: identity.mode,
            namespace: identity.namespace,
            service: identity.service,
            admin_url: env.adminUrlAt(env.WEFT_ADMIN_PORT),
          },
        }),
        DataPlaneModule.forRoot(
          {
            identity,
            serviceAccount: env.serviceAccount,
            subjectPrefix: env.WEFT_SUBJECT_PREFIX,
            jetstreamDomain: env.WEFT_JETSTREAM_DOMAIN,
            stateDir: env.WEFT_STATE_DIR,
            accessLog: env.accessLog,
            limits: env.listenerLimits,
            overload: env.overload,
            bus: env.busSettings,
            telemetry: env.telemetry,
            configDir: env.WEFT_MODE === 'standalone' ? env.WEFT_CONFIG_DIR : undefined,
            // A node proxy's heartbeats speak for its workloads: its own row in the control
            // plane's proxy table lives on repeated ACKs, as a router's does.
            presenceIntervalMs:
              env.WEFT_MODE === 'node' ? env.WEFT_HEARTBEAT_INTERVAL_MS : undefined,
            // Only what this proxy calls, and the Services its workloads answer for.
            scope: {
              localNamespace: env.WEFT_NAMESPACE,
              instances: workloads.list.map(({ namespace, instanceId }) => ({
                namespace,
                instanceId,
              })),
              limits: env.destinationLimits,
            },
          },
          {
            localNamespace: env.WEFT_NAMESPACE,
            defaultTimeoutMs: env.WEFT_ROUTE_TIMEOUT_MS,
            locality: env.locality,
          },
        ),
        // One workload identity per service account of its workloads, and the proxy's own, which
        // its outbound calls present (a sidecar's is its workload's); standalone has no CA.
        ...(env.WEFT_MODE === 'standalone'
          ? []
          : [
              IdentityModule.forRoot({
                trustDomain: env.WEFT_TRUST_DOMAIN,
                subjectPrefix: env.WEFT_SUBJECT_PREFIX,
                stateDir: env.WEFT_STATE_DIR,
                proxyId: env.instanceId,
                identities: [
                  { namespace: env.WEFT_NAMESPACE, serviceAccount: env.serviceAccount },
                  ...workloads.list,
                ],
              }),
            ]),
      ],
      controllers: [AppHealthController],
      providers: [
        { provide: SidecarEnv, useValue: env },
        { provide: AppProbes, useValue: AppProbes.fromEnv(env) },
        { provide: Workloads, useValue: workloads },
        ListenersService,
        AppProbeService,
        HeartbeatService,
        DrainService,
        BusResponderService,
      ],
    };
  }
}
