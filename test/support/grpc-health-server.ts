// A real gRPC health server for tests (@grpc/grpc-js over h2c): `grpc.health.v1.Health/Check` answering each service's status as the test sets it.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

const PROTO = fileURLToPath(new URL('./proto/health.proto', import.meta.url));

export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING';

interface HealthPackage {
  grpc: { health: { v1: { Health: { service: grpc.ServiceDefinition } } } };
}

/**
 * As the protocol says: a service it has a status for gets it, any other NOT_FOUND. '' is the
 * server as a whole.
 */
export class GrpcHealthServer {
  private readonly server = new grpc.Server();
  private readonly statuses = new Map<string, ServingStatus>();
  port = 0;
  /** The service of every Check received, in order. */
  readonly checks: string[] = [];

  constructor() {
    const definition = loadSync(PROTO, { enums: String, defaults: true });
    const pkg = grpc.loadPackageDefinition(definition) as unknown as HealthPackage;
    this.server.addService(pkg.grpc.health.v1.Health.service, {
      Check: (
        call: grpc.ServerUnaryCall<{ service: string }, { status: ServingStatus }>,
        done: grpc.sendUnaryData<{ status: ServingStatus }>,
      ) => {
        this.checks.push(call.request.service);
        const status = this.statuses.get(call.request.service);
        if (status === undefined)
          done({ code: grpc.status.NOT_FOUND, details: `unknown service ${call.request.service}` });
        else done(null, { status });
      },
    });
  }

  set(service: string, status: ServingStatus): this {
    this.statuses.set(service, status);
    return this;
  }

  async start(): Promise<this> {
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
    return this;
  }

  private stopped: Promise<void> | undefined;

  /** Stops accepting and ends the server; a second call waits for the first. */
  stop(): Promise<void> {
    this.stopped ??= new Promise((done) => this.server.tryShutdown(() => done()));
    return this.stopped;
  }
}
