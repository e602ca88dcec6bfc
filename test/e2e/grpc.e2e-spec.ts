// gRPC through two sidecars over h2c: unary, server-, client- and bidi-streaming calls, statuses intact, grpcRetry.
import { EchoServer } from '../support/echo-server.js';
import { greeterClient, grpc, GrpcServer, type HelloReply } from '../support/grpc-server.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { waitFor } from '../support/wait-for.js';

const GRPC_SERVICE = `
apiVersion: v1
kind: Service
metadata: { name: greeter }
spec:
  selector: { app: greeter }
  ports: [{ port: 80, appProtocol: grpc }]
`;

/** Retries of the route's `attempts`, on the gRPC statuses the Service's policy lists. */
const GRPC_RETRY = `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: greeter-retry }
spec:
  parentRefs: [{ group: "", kind: Service, name: greeter }]
  rules:
    - backendRefs: [{ name: greeter, port: 80 }]
      retry: { attempts: 2, backoff: 10ms }
---
apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: greeter-grpc-retry }
spec:
  targetRefs: [{ kind: Service, name: greeter }]
  grpcRetry: { retryOn: [unavailable, resource-exhausted] }
`;

describe('gRPC through the mesh', () => {
  let mesh: Mesh;
  let caller: EchoServer;
  let greeter: GrpcServer;
  let a: Sidecar;
  let client: ReturnType<typeof greeterClient>;

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    [caller, greeter] = await Promise.all([
      new EchoServer('a').start(),
      new GrpcServer('greeter-1').start(),
    ]);
    [a] = await Promise.all([
      mesh.startSidecar({ service: 'a', instanceId: 'a1', appPort: caller.port }),
      mesh.startSidecar({ service: 'greeter', instanceId: 'greeter1', appPort: greeter.port }),
    ]);
    await mesh.converged(await mesh.applyOk(GRPC_SERVICE), ['a1', 'greeter1']);
    await waitFor('greeter endpoints', async () =>
      (await mesh.endpointIds('greeter')).length === 1 ? true : undefined,
    );
    client = greeterClient(`127.0.0.1:${a.outboundPort}`, 'greeter');
  });

  afterAll(async () => {
    client?.close();
    await Promise.all([caller.stop(), greeter.stop()]);
    await mesh.stop();
  });

  const hello = (name: string) =>
    new Promise<{ error: grpc.ServiceError | null; reply?: HelloReply }>((resolve) => {
      client.Hello({ name }, (error, reply) => resolve({ error, reply }));
    });

  it('makes a unary call through both sidecars', async () => {
    const { error, reply } = await hello('mesh');
    expect(error).toBeNull();
    expect(reply).toEqual({ message: 'hello mesh', server: 'greeter-1' });
  });

  it('passes a failed call’s status code and message back intact', async () => {
    const { error } = await hello('fail:5:no such greeting');
    expect({ code: error?.code, details: error?.details }).toEqual({
      code: grpc.status.NOT_FOUND,
      details: 'no such greeting',
    });
  });

  it('streams every message of a server-streaming call, then its OK status', async () => {
    const call = client.Count({ to: 25 });
    const messages: string[] = [];
    call.on('data', (reply: HelloReply) => messages.push(reply.message));
    const status = await new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    expect(status.code).toBe(grpc.status.OK);
    expect(messages).toEqual(Array.from({ length: 25 }, (_, i) => String(i + 1)));
  });

  it('carries a client-streaming call: every message up, one answer once the client ends', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `n${i}`);
    const reply = await new Promise<{ error: grpc.ServiceError | null; reply?: HelloReply }>(
      (resolve) => {
        const call = client.Collect((error, answer) => resolve({ error, reply: answer }));
        for (const name of names) call.write({ name });
        call.end();
      },
    );
    expect(reply).toEqual({
      error: null,
      reply: { message: names.join(','), server: 'greeter-1' },
    });
  });

  it('carries a bidi-streaming call both ways as it goes: each answer before the next message is sent', async () => {
    const call = client.Chat();
    const answers: string[] = [];
    const next = () =>
      new Promise<string>((resolve) => call.once('data', (r: HelloReply) => resolve(r.message)));
    for (const name of ['ann', 'bob', 'cy']) {
      const answer = next();
      call.write({ name });
      // The stream stays open: the answer comes back through both sidecars before the call ends.
      answers.push(await answer);
    }
    const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    call.end();
    expect(answers).toEqual(['hi ann', 'hi bob', 'hi cy']);
    expect((await status).code).toBe(grpc.status.OK);
  });

  describe('with grpcRetry', () => {
    beforeAll(async () => {
      await mesh.converged(await mesh.applyOk(GRPC_RETRY), ['a1', 'greeter1']);
    });

    const calls = (name: string) => greeter.hellos.filter((n) => n === name).length;

    it('resends a call answered UNAVAILABLE, its body replayed: the client sees the second answer', async () => {
      const { error, reply } = await hello('flaky:first');
      expect(error).toBeNull();
      expect(reply).toEqual({ message: 'hello flaky:first', server: 'greeter-1' });
      expect(calls('flaky:first')).toBe(2);
    });

    it('passes the last UNAVAILABLE on once the attempts are spent', async () => {
      const { error } = await hello('fail:14:still down');
      expect({ code: error?.code, details: error?.details }).toEqual({
        code: grpc.status.UNAVAILABLE,
        details: 'still down',
      });
      expect(calls('fail:14:still down')).toBe(3);
    });

    it('does not resend a status the policy does not list', async () => {
      const { error } = await hello('fail:5:gone');
      expect(error?.code).toBe(grpc.status.NOT_FOUND);
      expect(calls('fail:5:gone')).toBe(1);
    });

    it('rejects an unknown retryOn name with its field path', async () => {
      const res = await mesh.apply(`
apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: bad-grpc-retry }
spec:
  targetRefs: [{ kind: Service, name: greeter }]
  grpcRetry: { retryOn: [unavailable, sometimes] }
`);
      expect(res.status).toBe(422);
      expect(JSON.parse(res.body)).toEqual([
        expect.objectContaining({
          resource: 'TrafficPolicy/default/bad-grpc-retry',
          path: 'spec.grpcRetry.retryOn',
        }),
      ]);
    });
  });
});
