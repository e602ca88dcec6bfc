// The kubelet's gRPC probe as the proxy sends it, against a real @grpc/grpc-js health server: SERVING passes; NOT_SERVING, an unknown service and no server fail, saying why.
import { createServer, type Server, type Socket } from 'node:net';
import { GrpcHealthServer } from '../../../test/support/grpc-health-server.js';
import { grpcHealthCheck } from './grpc-health-check.js';

describe('grpcHealthCheck', () => {
  let server: GrpcHealthServer;

  beforeAll(async () => {
    server = await new GrpcHealthServer()
      .set('', 'SERVING')
      .set('weft.test.Greeter', 'SERVING')
      .set('weft.test.Billing', 'NOT_SERVING')
      .start();
  });

  afterAll(() => server.stop());

  const check = (service: string, port = server.port) =>
    grpcHealthCheck('127.0.0.1', port, service, 10_000);

  it('passes when the server answers SERVING for the service, or as a whole', async () => {
    expect(await check('weft.test.Greeter')).toBeUndefined();
    expect(await check('')).toBeUndefined();
    expect(server.checks.slice(-2)).toEqual(['weft.test.Greeter', '']);
  });

  it('fails with what the server answered: NOT_SERVING, or NOT_FOUND for a service it does not know', async () => {
    expect(await check('weft.test.Billing')).toBe('NOT_SERVING');
    expect(await check('weft.test.Nothing')).toBe(
      'grpc-status 5: unknown service weft.test.Nothing',
    );
  });

  it('fails when nothing listens, or when what listens does not speak HTTP/2', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((r) => closed.close(() => r()));
    expect(await check('', port)).toMatch(/ECONNREFUSED/);

    // A server that accepts and answers HTTP/1.1: no gRPC answer, a failure rather than a hang.
    const sockets: Socket[] = [];
    const http1: Server = createServer((socket) => {
      sockets.push(socket);
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    });
    await new Promise<void>((r) => http1.listen(0, '127.0.0.1', r));
    try {
      expect(await check('', (http1.address() as { port: number }).port)).toBe('Protocol error');
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((r) => http1.close(() => r()));
    }
  });
});
