import { bearerToken, newAdminToken, tokenHash, TOKEN_SYNTAX } from './admin-token.js';

describe('admin tokens', () => {
  it('are 256 random bits behind a weft_ prefix, each one new', () => {
    const a = newAdminToken();
    expect(a).toMatch(/^weft_[A-Za-z0-9_-]{43}$/);
    expect(TOKEN_SYNTAX.test(a)).toBe(true);
    expect(newAdminToken()).not.toBe(a);
  });

  it('are kept as their SHA-256, hex (FIPS 180-2 test vector)', () => {
    expect(tokenHash('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER  abc ', 'abc'],
  ])('reads the token of %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it.each([undefined, '', 'Basic YWRtaW46YWRtaW4=', 'Bearer', 'Bearer a b', 'Token abc'])(
    'reads no token from %j',
    (header) => expect(bearerToken(header)).toBeUndefined(),
  );

  it('takes an operator token of 32 to 512 printable characters without blanks', () => {
    expect(TOKEN_SYNTAX.test('x'.repeat(32))).toBe(true);
    expect(TOKEN_SYNTAX.test('x'.repeat(31))).toBe(false);
    expect(TOKEN_SYNTAX.test('x'.repeat(513))).toBe(false);
    expect(TOKEN_SYNTAX.test(`${'x'.repeat(31)} y`)).toBe(false);
  });
});
