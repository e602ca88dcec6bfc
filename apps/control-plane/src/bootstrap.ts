// Control plane bootstrap: admin API over HTTP, heartbeats and ACKs over NATS (Nest microservices).
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { MicroserviceOptions } from '@nestjs/microservices';
import {
  createLogger,
  NatsClient,
  PinoNestLogger,
  TlsHandshakeFailures,
  watchTlsHandshakes,
} from '@app/runtime';
import { adminHttpsOptions, clientRootsFromFile } from './auth/admin-tls.js';
import { controlPlaneEnv } from './control-plane-env.dto.js';
import { ControlPlaneModule } from './control-plane.module.js';
import { RawPayloadDeserializer } from './nats/raw-payload.deserializer.js';
import { SharedConnectionNatsServer } from './nats/shared-connection.server.js';

/** Largest apply body accepted; resources are small, this bounds memory per request. */
const MAX_APPLY_BODY = '16mb';

async function bootstrap(): Promise<void> {
  const env = controlPlaneEnv();
  const log = createLogger('control-plane', env.WEFT_LOG_LEVEL);
  const clientRoots = env.WEFT_ADMIN_TLS_CLIENT_CA
    ? clientRootsFromFile(env.WEFT_ADMIN_TLS_CLIENT_CA)
    : undefined;
  const app = await NestFactory.create<NestExpressApplication>(
    ControlPlaneModule.forRoot(env, log),
    {
      logger: new PinoNestLogger(log),
      bodyParser: false,
      httpsOptions: adminHttpsOptions(env, clientRoots),
    },
  );
  // Every body is read as text: YAML is a superset of JSON, so one parser serves both.
  app.useBodyParser('text', { type: () => true, limit: MAX_APPLY_BODY });
  app.connectMicroservice<MicroserviceOptions>({
    strategy: new SharedConnectionNatsServer(app.get(NatsClient), {
      deserializer: new RawPayloadDeserializer(),
    }),
  });
  app.enableShutdownHooks();
  // Over HTTPS, handshakes refused (plaintext, an old TLS, …) are counted and logged.
  if (env.adminTls) watchTlsHandshakes(app.getHttpServer(), 'admin', new TlsHandshakeFailures(log));
  await app.listen(env.WEFT_ADMIN_PORT, env.WEFT_BIND_ADDRESS);
  await app.startAllMicroservices();
  // Where it really listens, so an operator (and a test) sees what the default binds.
  const bound = app.getHttpServer().address() as AddressInfo;
  log.info(
    {
      adminPort: bound.port,
      adminAddress: bound.address,
      adminTls: env.adminTls,
      adminAuth: env.WEFT_ADMIN_AUTH,
      nats: env.natsServersShown,
    },
    'control plane started',
  );
}

bootstrap().catch((err: Error) => {
  process.stderr.write(`weft control plane failed to start: ${err.message}\n`);
  process.exit(1);
});
