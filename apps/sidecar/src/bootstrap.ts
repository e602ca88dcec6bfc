// Sidecar bootstrap: validate env, start Nest (admin port) and the proxy listeners, drain on SIGTERM.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createLogger, loadEnv, PinoNestLogger } from '@app/runtime';
import { DrainService } from './drain.service.js';
import { SidecarEnv } from './sidecar-env.dto.js';
import { SidecarModule } from './sidecar.module.js';
import { loadWorkloads, Workloads } from './workloads/workload.js';

async function bootstrap(): Promise<void> {
  const env = loadEnv(SidecarEnv);
  env.validateLabels();
  const workloads = new Workloads(loadWorkloads(env));
  const log = createLogger('sidecar', env.WEFT_LOG_LEVEL);
  const app = await NestFactory.create(SidecarModule.forRoot(env, workloads, log), {
    logger: new PinoNestLogger(log),
  });
  await app.listen(env.WEFT_ADMIN_PORT, env.WEFT_BIND_ADDRESS);
  log.info(
    {
      mode: env.WEFT_MODE,
      service: env.WEFT_SERVICE,
      instanceId: env.instanceId,
      adminPort: env.WEFT_ADMIN_PORT,
      workloads: env.WEFT_MODE === 'node' ? workloads.list.map((w) => w.instanceId) : undefined,
    },
    'sidecar started',
  );
  const stop = (): void => {
    void app
      .get(DrainService)
      .drain()
      .then(() => app.close())
      .then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

bootstrap().catch((err: Error) => {
  process.stderr.write(`weft sidecar failed to start: ${err.message}\n`);
  process.exit(1);
});
