// CommonEnv: the NATS servers as configured, and as shown (logs, GET /v1/version) without secrets.
import { describe, expect, it } from '@jest/globals';
import { CommonEnv, loadEnv } from './env.js';

describe('CommonEnv NATS servers', () => {
  it('shows every server without the user, password or token its URL carries', () => {
    const env = loadEnv(CommonEnv, {
      NATS_URL:
        'nats://alice:s3cr@t@n1.example:4222, tls://TOKEN123@n2.example, n3.example:4222,nats://n4:4222/',
    });
    expect(env.natsServers).toEqual([
      'nats://alice:s3cr@t@n1.example:4222',
      'tls://TOKEN123@n2.example',
      'n3.example:4222',
      'nats://n4:4222/',
    ]);
    expect(env.natsServersShown).toEqual([
      'nats://n1.example:4222',
      'tls://n2.example',
      'n3.example:4222',
      'nats://n4:4222/',
    ]);
  });

  it('leaves out credentials given without a scheme too', () => {
    expect(loadEnv(CommonEnv, { NATS_URL: 'bob:pw@127.0.0.1:4222' }).natsServersShown).toEqual([
      '127.0.0.1:4222',
    ]);
  });
});
