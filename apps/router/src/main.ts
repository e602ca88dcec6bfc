// Router entry point: validate env, start Nest (admin port) and the routing listener, drain on SIGTERM.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createLogger, loadEnv, PinoNestLogger } from '@app/runtime';
import { RouterEnv } from './router-env.dto.js';
import { EdgeListenersService } from './edge-listeners.service.js';
import { RouterListenerService } from './router-listener.service.js';
import { RouterModule } from './router.module.js';

async function bootstrap(): Promise<void> {
  const env = loadEnv(RouterEnv);
  const log = createLogger('router', env.WEFT_LOG_LEVEL);
  const app = await NestFactory.create(RouterModule.forRoot(env, log), {
    logger: new PinoNestLogger(log),
  });
  await app.listen(env.WEFT_ADMIN_PORT, env.WEFT_BIND_ADDRESS);
  log.info({ mode: env.WEFT_MODE, instanceId: env.instanceId }, 'router started');
  const listeners =
    env.WEFT_MODE === 'edge' ? app.get(EdgeListenersService) : app.get(RouterListenerService);
  const stop = (): void => {
    void listeners
      .drain()
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
