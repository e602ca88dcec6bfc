// A real gRPC application for e2e tests (@grpc/grpc-js over h2c), and a client of it.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

const PROTO = fileURLToPath(new URL('./proto/greeter.proto', import.meta.url));

export interface HelloReply {
  readonly message: string;
  readonly server: string;
}

interface GreeterClient extends grpc.Client {
  Hello(
    request: { name: string },
    callback: (error: grpc.ServiceError | null, reply?: HelloReply) => void,
  ): grpc.ClientUnaryCall;
  Count(request: { to: number }): grpc.ClientReadableStream<HelloReply>;
  Collect(
    callback: (error: grpc.ServiceError | null, reply?: HelloReply) => void,
  ): grpc.ClientWritableStream<{ name: string }>;
  Chat(): grpc.ClientDuplexStream<{ name: string }, HelloReply>;
}

type GreeterClientClass = new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ChannelOptions,
) => GreeterClient;

interface GreeterPackage {
  weft: { test: { Greeter: GreeterClientClass & { service: grpc.ServiceDefinition } } };
}

function greeterPackage(): GreeterPackage {
  return grpc.loadPackageDefinition(loadSync(PROTO)) as unknown as GreeterPackage;
}

/**
 * `Hello{name}` answers `hello <name>`; a name `fail:<code>:<message>` fails with that status
 * code and message; a name `flaky:<key>` fails UNAVAILABLE on the first call of each key only.
 * `Count{to}` streams `1`…`to`, then ends with trailers. `Collect` answers, once the client ends
 * its stream, the names it sent joined by commas; `Chat` answers each name with `hi <name>` as it
 * comes, and ends when the client does.
 */
export class GrpcServer {
  private readonly server = new grpc.Server();
  port = 0;
  /** Calls of Hello received, in order. */
  readonly hellos: string[] = [];
  private readonly flakyKeys = new Set<string>();

  constructor(readonly name: string) {
    this.server.addService(greeterPackage().weft.test.Greeter.service, {
      Hello: (
        call: grpc.ServerUnaryCall<{ name: string }, HelloReply>,
        done: grpc.sendUnaryData<HelloReply>,
      ) => this.hello(call.request.name, done),
      Count: (call: grpc.ServerWritableStream<{ to: number }, HelloReply>) => {
        for (let i = 1; i <= call.request.to; i++) call.write({ message: String(i), server: name });
        call.end();
      },
      Collect: (
        call: grpc.ServerReadableStream<{ name: string }, HelloReply>,
        done: grpc.sendUnaryData<HelloReply>,
      ) => {
        const names: string[] = [];
        call.on('data', (m: { name: string }) => names.push(m.name));
        call.on('end', () => done(null, { message: names.join(','), server: name }));
      },
      Chat: (call: grpc.ServerDuplexStream<{ name: string }, HelloReply>) => {
        call.on('data', (m: { name: string }) =>
          call.write({ message: `hi ${m.name}`, server: name }),
        );
        call.on('end', () => call.end());
      },
    });
  }

  async start(): Promise<this> {
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
    return this;
  }

  stop(): Promise<void> {
    return new Promise((done) => this.server.tryShutdown(() => done()));
  }

  private hello(name: string, done: grpc.sendUnaryData<HelloReply>): void {
    this.hellos.push(name);
    const failure = /^fail:(\d+):(.*)$/.exec(name);
    if (failure) {
      done({ code: Number(failure[1]), details: failure[2] });
      return;
    }
    const flaky = /^flaky:(.*)$/.exec(name)?.[1];
    if (flaky !== undefined && !this.flakyKeys.has(flaky)) {
      this.flakyKeys.add(flaky);
      done({ code: grpc.status.UNAVAILABLE, details: 'warming up' });
      return;
    }
    done(null, { message: `hello ${name}`, server: this.name });
  }
}

/**
 * A Greeter client over h2c to `address` (`host:port`), calling as `authority` (the mesh routes by
 * it, as by an HTTP/1.1 Host).
 */
export function greeterClient(address: string, authority: string): GreeterClient {
  const Greeter = greeterPackage().weft.test.Greeter;
  return new Greeter(address, grpc.credentials.createInsecure(), {
    'grpc.default_authority': authority,
  });
}

export { grpc };
