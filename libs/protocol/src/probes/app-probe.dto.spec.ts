// WEFT_APP_PROBES as the sidecar reads it at boot: the probes by path, or every bad field named.
import { parseAppProbes } from './app-probe.dto.js';

describe('parseAppProbes', () => {
  it('reads the probes by their rewritten path, with kubelet defaults', () => {
    const parsed = parseAppProbes(
      JSON.stringify({ '/app-health/app/readyz': { port: 8080, path: '/ready' } }),
    );
    expect(parsed.ok && [...parsed.value]).toEqual([
      [
        '/app-health/app/readyz',
        expect.objectContaining({ port: 8080, path: '/ready', scheme: 'HTTP', timeoutSeconds: 1 }),
      ],
    ]);
  });

  it('names every bad entry: a path that is no app-health path, a bad port, a bad header', () => {
    const parsed = parseAppProbes(
      JSON.stringify({
        '/healthz': { port: 8080, path: '/' },
        '/app-health/app/livez': {
          port: 70000,
          path: '/live',
          headers: [{ name: 'a b', value: 'x' }],
        },
      }),
    );
    expect(parsed.ok ? [] : parsed.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      '/healthz: must be /app-health/<container>/<livez|readyz|startupz>',
      '/app-health/app/livez.port: must not be greater than 65535',
      '/app-health/app/livez.headers[0].name: must be an HTTP header name',
    ]);
  });

  it('reads tcpSocket and grpc probes; a probe without a type is an httpGet, which needs a path', () => {
    const parsed = parseAppProbes(
      JSON.stringify({
        '/app-health/app/startupz': { type: 'tcpSocket', port: 8080, timeoutSeconds: 2 },
        '/app-health/app/livez': { type: 'grpc', port: 9090, service: 'weft.test.Greeter' },
        '/app-health/app/readyz': { type: 'grpc', port: 9090 },
      }),
    );
    const read = parsed.ok ? Object.fromEntries(parsed.value) : {};
    expect(read['/app-health/app/startupz']).toMatchObject({
      type: 'tcpSocket',
      port: 8080,
      timeoutSeconds: 2,
    });
    expect(read['/app-health/app/livez']).toMatchObject({
      type: 'grpc',
      port: 9090,
      service: 'weft.test.Greeter',
    });
    expect(read['/app-health/app/readyz']).toMatchObject({ type: 'grpc', port: 9090 });
    const bad = parseAppProbes(
      JSON.stringify({
        '/app-health/app/livez': { port: 8080 },
        '/app-health/app/readyz': { type: 'exec', port: 8080 },
        '/app-health/app/startupz': { type: 'grpc', port: 9090, service: 'x'.repeat(1025) },
      }),
    );
    expect(bad.ok ? [] : bad.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      '/app-health/app/livez.path: is required',
      '/app-health/app/readyz.type: must be one of httpGet, tcpSocket, grpc',
      '/app-health/app/startupz.service: must be shorter than or equal to 1024 characters',
    ]);
  });

  it('refuses what is not a JSON object', () => {
    expect(parseAppProbes('[').ok).toBe(false);
    expect(parseAppProbes('[]').ok).toBe(false);
  });
});
