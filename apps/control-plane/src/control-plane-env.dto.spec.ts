// The control plane's env: the admin API's secure defaults and the settings that relax them.
import { loadEnv } from '@app/runtime';
import { ControlPlaneEnv } from './control-plane-env.dto.js';

describe('ControlPlaneEnv (admin API)', () => {
  it('binds the admin port to loopback, with authentication on, over plain HTTP by default', () => {
    const env = loadEnv(ControlPlaneEnv, {});
    expect([env.WEFT_BIND_ADDRESS, env.WEFT_ADMIN_AUTH, env.adminTls]).toEqual([
      '127.0.0.1',
      'on',
      false,
    ]);
    expect(env.adminUrl).toBe('http://127.0.0.1:15010');
  });

  it('turns authentication off on a loopback address only', () => {
    expect(loadEnv(ControlPlaneEnv, { WEFT_ADMIN_AUTH: 'off' }).WEFT_ADMIN_AUTH).toBe('off');
    expect(
      loadEnv(ControlPlaneEnv, { WEFT_ADMIN_AUTH: 'off', WEFT_BIND_ADDRESS: '::1' })
        .WEFT_ADMIN_AUTH,
    ).toBe('off');
    expect(() =>
      loadEnv(ControlPlaneEnv, { WEFT_ADMIN_AUTH: 'off', WEFT_BIND_ADDRESS: '0.0.0.0' }),
    ).toThrow(/WEFT_ADMIN_AUTH=off is for local development/);
    expect(() => loadEnv(ControlPlaneEnv, { WEFT_ADMIN_AUTH: 'no' })).toThrow(/WEFT_ADMIN_AUTH/);
  });

  it('serves HTTPS with a certificate and its key, advertised as https', () => {
    const env = loadEnv(ControlPlaneEnv, {
      WEFT_ADMIN_TLS_CERT: '/c.pem',
      WEFT_ADMIN_TLS_KEY: '/k.pem',
      WEFT_ADVERTISE_ADDRESS: '10.0.0.1',
    });
    expect([env.adminTls, env.adminUrl]).toEqual([true, 'https://10.0.0.1:15010']);
    expect(() => loadEnv(ControlPlaneEnv, { WEFT_ADMIN_TLS_CERT: '/c.pem' })).toThrow(
      /WEFT_ADMIN_TLS_KEY must be set with WEFT_ADMIN_TLS_CERT/,
    );
  });

  it('asks for client certificates only over HTTPS, with roles in their syntax', () => {
    expect(() => loadEnv(ControlPlaneEnv, { WEFT_ADMIN_TLS_CLIENT_CA: '/ca.pem' })).toThrow(
      /WEFT_ADMIN_TLS_CLIENT_CA needs WEFT_ADMIN_TLS_CERT/,
    );
    expect(() =>
      loadEnv(ControlPlaneEnv, { WEFT_ADMIN_TLS_CLIENT_ROLES: 'spiffe://td/ns/a/sa/b=root' }),
    ).toThrow(/WEFT_ADMIN_TLS_CLIENT_ROLES must be a comma-separated list/);
  });
});

describe('ControlPlaneEnv (injection)', () => {
  const WEBHOOK = {
    WEFT_INJECTION_PORT: '15017',
    WEFT_INJECTION_TLS_CERT: '/c.pem',
    WEFT_INJECTION_TLS_KEY: '/k.pem',
    WEFT_INJECTION_IMAGE: 'weft:1',
  };
  const SIGNING_KEY = { WEFT_NATS_ACCOUNT_SIGNING_KEY_FILE: '/keys/weft-account-signing.nk' };

  it('mints proxy credentials only with the webhook, the Kubernetes API and its own NATS user', () => {
    const full = {
      ...WEBHOOK,
      ...SIGNING_KEY,
      WEFT_KUBERNETES: 'in-cluster',
      WEFT_NATS_CREDS: '/cp.creds',
    };
    expect(loadEnv(ControlPlaneEnv, full).WEFT_NATS_ACCOUNT_SIGNING_KEY_FILE).toBe(
      SIGNING_KEY.WEFT_NATS_ACCOUNT_SIGNING_KEY_FILE,
    );
    const needs = /WEFT_NATS_ACCOUNT_SIGNING_KEY_FILE needs WEFT_INJECTION_PORT/;
    for (const missing of ['WEFT_INJECTION_PORT', 'WEFT_KUBERNETES', 'WEFT_NATS_CREDS'] as const) {
      const env: Record<string, string> = { ...full };
      delete env[missing];
      expect(() => loadEnv(ControlPlaneEnv, env)).toThrow(needs);
    }
  });

  it('gives injected proxies a NATS TLS Secret, and its client certificate only with one', () => {
    const env = loadEnv(ControlPlaneEnv, {
      ...WEBHOOK,
      WEFT_INJECTION_NATS_TLS_SECRET: 'nats-client-tls',
      WEFT_INJECTION_NATS_TLS_CLIENT_CERT: 'true',
    });
    expect(env.WEFT_INJECTION_NATS_TLS_SECRET).toBe('nats-client-tls');
    expect(() =>
      loadEnv(ControlPlaneEnv, { ...WEBHOOK, WEFT_INJECTION_NATS_TLS_CLIENT_CERT: 'true' }),
    ).toThrow(/WEFT_INJECTION_NATS_TLS_CLIENT_CERT=true needs WEFT_INJECTION_NATS_TLS_SECRET/);
    expect(() =>
      loadEnv(ControlPlaneEnv, { ...WEBHOOK, WEFT_INJECTION_NATS_TLS_SECRET: 'Not_A_Name' }),
    ).toThrow(/WEFT_INJECTION_NATS_TLS_SECRET must be a Secret name/);
  });
});
