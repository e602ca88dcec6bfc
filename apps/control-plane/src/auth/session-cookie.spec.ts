import { clearedSessionCookie, sessionCookie, sessionIdOf } from './session-cookie.js';

describe('the session cookie', () => {
  it('is HttpOnly and SameSite=Strict, Secure over HTTPS, for the whole API', () => {
    expect(sessionCookie('abc', 3_600_000, false)).toBe(
      'weft_session=abc; Max-Age=3600; Path=/; HttpOnly; SameSite=Strict',
    );
    expect(sessionCookie('abc', 3_600_000, true)).toMatch(/; Secure$/);
    expect(clearedSessionCookie(false)).toMatch(/^weft_session=; Max-Age=0;/);
  });

  it('is found among other cookies; a malformed value is no session', () => {
    expect(sessionIdOf('a=1; weft_session=Zz_-9; b=2')).toBe('Zz_-9');
    expect(sessionIdOf('weft_session=a"b')).toBeUndefined();
    expect(sessionIdOf('xweft_session=abc')).toBeUndefined();
    expect(sessionIdOf(undefined)).toBeUndefined();
  });
});
