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
