// Wires the router: runtime (logs, NATS, admin), engine and config, its listeners, its bus responder.
import { Module, type DynamicModule } from '@nestjs/common';
import { DataPlaneModule, IdentityModule } from '@app/dataplane';
import { serviceKey } from '@app/protocol';
import { RuntimeModule, type Logger } from '@app/runtime';
import { RouterEnv } from './router-env.dto.js';
import { EdgeListenersService } from './edge-listeners.service.js';
import { RouterBusService } from './router-bus.service.js';
import { RouterListenerService } from './router-listener.service.js';
import { EastWestGatewayService } from './eastwest-gateway.service.js';

@Module({})
export class RouterModule {
  /** Router mode with a control plane: the bus reaches the Services without instances through it. */
  static answersBus(env: RouterEnv): boolean {
    return env.WEFT_MODE === 'router' && env.WEFT_CONFIG_DIR === undefined;
  }

  static forRoot(env: RouterEnv, log: Logger): DynamicModule {
    if (env.WEFT_MODE === 'eastwest') return RouterModule.eastWest(env, log);
    const identity = {
      proxyId: env.instanceId,
      mode: env.WEFT_MODE,
      namespace: env.WEFT_NAMESPACE,
      service: env.WEFT_GATEWAY ?? env.WEFT_MODE,
    };
    return {
      module: RouterModule,
      imports: [
        RouterModule.runtime(env, log, {
          namespace: identity.namespace,
          service: identity.service,
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

  /**
   * The east-west gateway: no data-plane engine, config or identity of its own (it terminates no
   * TLS); the runtime (logs, NATS, admin, metrics) and the passthrough listener.
   */
  private static eastWest(env: RouterEnv, log: Logger): DynamicModule {
    return {
      module: RouterModule,
      imports: [RouterModule.runtime(env, log, { cluster: env.WEFT_CLUSTER })],
      providers: [{ provide: RouterEnv, useValue: env }, EastWestGatewayService],
    };
  }

  /** Logs, NATS, admin and metrics of a router in its mode; `$SRV.INFO` tells `discovery` too. */
  private static runtime(
    env: RouterEnv,
    log: Logger,
    discovery: Record<string, string>,
  ): DynamicModule {
    return RuntimeModule.forRoot({
      env,
      log,
      component: 'router',
      instanceId: env.instanceId,
      traceService: `weft-${env.WEFT_MODE}`,
      discovery: { mode: env.WEFT_MODE, ...discovery, admin_url: env.adminUrlAt(env.adminPort) },
    });
  }
}
