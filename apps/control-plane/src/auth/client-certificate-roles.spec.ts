import { CLIENT_ROLES_SYNTAX, parseClientRoles } from './client-certificate-roles.js';

const ADMIN = 'spiffe://cluster.local/ns/ops/sa/admin';
const VIEWER = 'spiffe://cluster.local/ns/ops/sa/viewer';

describe('WEFT_ADMIN_TLS_CLIENT_ROLES', () => {
  it('maps each SPIFFE ID to its role', () => {
    const setting = `${ADMIN}=admin,${VIEWER}=read`;
    expect(CLIENT_ROLES_SYNTAX.test(setting)).toBe(true);
    expect([...parseClientRoles(setting)]).toEqual([
      [ADMIN, 'admin'],
      [VIEWER, 'read'],
    ]);
  });

  it('gives no certificate a role when unset', () => {
    expect(parseClientRoles(undefined).size).toBe(0);
  });

  it.each([
    `${ADMIN}=root`,
    `${ADMIN}`,
    'https://example.com=admin',
    `${ADMIN}=admin,`,
    `${ADMIN}=admin, ${VIEWER}=read`,
  ])('refuses %j', (setting) => {
    expect(CLIENT_ROLES_SYNTAX.test(setting)).toBe(false);
  });
});
