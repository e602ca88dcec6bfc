// Wires the router: runtime (logs, NATS, admin), engine and config, its listeners, its bus responder.
import { Module, type DynamicModule } from '@nestjs/common';
import { DataPlaneModule, IdentityModule } from '@app/dataplane';
import { serviceKey } from '@app/protocol';
import { RuntimeModule, type Logger } from '@app/runtime';
import { RouterEnv } from './router-env.dto.js';
import { EdgeListenersService } from './edge-listeners.service.js';
import { RouterBusService } from './router-bus.service.js';
import { RouterListenerService } from './router-listener.service.js';

@Module({})
export class RouterModule {
  /** Router mode with a control plane: the bus reaches the Services without instances through it. */
  static answersBus(env: RouterEnv): boolean {
    return env.WEFT_MODE === 'router' && env.WEFT_CONFIG_DIR === undefined;
  }

  static forRoot(env: RouterEnv, log: Logger): DynamicModule {
    const identity = {
      proxyId: env.instanceId,
      mode: env.WEFT_MODE,
      namespace: env.WEFT_NAMESPACE,
      service: env.WEFT_GATEWAY ?? env.WEFT_MODE,
    };
    return {
      module: RouterModule,
      imports: [
        RuntimeModule.forRoot({
          env,
          log,
          component: 'router',
          instanceId: env.instanceId,
          traceService: `weft-${env.WEFT_MODE}`,
          discovery: {
            mode: identity.mode,
            namespace: identity.namespace,
            service: identity.service,
            admin_url: env.adminUrlAt(env.adminPort),
          },
        }),
        DataPlaneModule.forRoot(
          {
            identity,
            serviceAccount: env.WEFT_SERVICE_ACCOUNT ?? identity.service,
            subjectPrefix: env.WEFT_SUBJECT_PREFIX,
            jetstreamDomain: env.WEFT_JETSTREAM_DOMAIN,
            stateDir: env.WEFT_STATE_DIR,
            accessLog: env.accessLog,
            limits: env.listenerLimits,
            overload: env.overload,
            configDir: env.WEFT_CONFIG_DIR,
            bus: env.busSettings,
            telemetry: env.telemetry,
            presenceIntervalMs: env.WEFT_HEARTBEAT_INTERVAL_MS,
          },
          {
            localNamespace: env.WEFT_NAMESPACE,
            defaultTimeoutMs: env.WEFT_ROUTE_TIMEOUT_MS,
            gatewayName: env.WEFT_MODE === 'edge' ? env.WEFT_GATEWAY : undefined,
            locality: env.locality,
            // Router mode on the bus: its Gateway's ExternalServices leave the mesh through it.
            egressGateway:
              RouterModule.answersBus(env) && env.WEFT_GATEWAY !== undefined
                ? serviceKey(env.WEFT_NAMESPACE, env.WEFT_GATEWAY)
                : undefined,
          },
        ),
        // Its own workload identity; a router on a config folder has no CA.
        ...(env.WEFT_CONFIG_DIR === undefined
          ? [
              IdentityModule.forRoot({
                trustDomain: env.WEFT_TRUST_DOMAIN,
                subjectPrefix: env.WEFT_SUBJECT_PREFIX,
                stateDir: env.WEFT_STATE_DIR,
                proxyId: env.instanceId,
                identities: [
                  {
                    namespace: env.WEFT_NAMESPACE,
                    serviceAccount: env.WEFT_SERVICE_ACCOUNT ?? identity.service,
                  },
                ],
              }),
            ]
          : []),
      ],
      providers: [
        { provide: RouterEnv, useValue: env },
        env.WEFT_MODE === 'edge' ? EdgeListenersService : RouterListenerService,
        ...(RouterModule.answersBus(env) ? [RouterBusService] : []),
      ],
    };
  }
}
