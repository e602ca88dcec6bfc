// Router bootstrap: validate env, start Nest (admin port), the routing listener and (router mode)
// the bus responder, drain on SIGTERM; with WEFT_ROUTER_REPLICAS > 1, the replica set's primary.
import 'reflect-metadata';
import cluster from 'node:cluster';
import { NestFactory } from '@nestjs/core';
import { DEFAULT_CLUSTER } from '@app/protocol';
import { createLogger, loadEnv, PinoNestLogger } from '@app/runtime';
import { RouterEnv } from './router-env.dto.js';
import { EdgeListenersService } from './edge-listeners.service.js';
import { RouterBusService } from './router-bus.service.js';
import { RouterListenerService } from './router-listener.service.js';
import { EastWestGatewayService } from './eastwest-gateway.service.js';
import { RouterModule } from './router.module.js';
import { exitWithPrimary, superviseReplicas } from './router-replicas.js';

async function bootstrap(): Promise<void> {
  const env = loadEnv(RouterEnv);
  const log = createLogger('router', env.WEFT_LOG_LEVEL);
  if (env.WEFT_MODE === 'eastwest' && env.WEFT_CLUSTER === DEFAULT_CLUSTER) {
    throw new Error('WEFT_CLUSTER must name this cluster in eastwest mode (it serves its exports)');
  }
  if (env.WEFT_ROUTER_REPLICAS > 1 && cluster.isPrimary) {
    return superviseReplicas(env.WEFT_ROUTER_REPLICAS, log);
  }
  if (cluster.isWorker) exitWithPrimary();
  const app = await NestFactory.create(RouterModule.forRoot(env, log), {
    logger: new PinoNestLogger(log),
  });
  await app.listen(env.adminPort, env.WEFT_BIND_ADDRESS);
  log.info(
    { mode: env.WEFT_MODE, instanceId: env.instanceId, adminPort: env.adminPort },
    'router started',
  );
  const listeners =
    env.WEFT_MODE === 'edge'
      ? app.get(EdgeListenersService)
      : env.WEFT_MODE === 'eastwest'
        ? app.get(EastWestGatewayService)
        : app.get(RouterListenerService);
  const bus = RouterModule.answersBus(env) ? app.get(RouterBusService) : undefined;
  const stop = (): void => {
    void Promise.all([listeners.drain(), bus?.drain()])
      .then(() => app.close())
      .then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

bootstrap().catch((err: Error) => {
  process.stderr.write(`weft router failed to start: ${err.message}\n`);
  process.exit(1);
});
