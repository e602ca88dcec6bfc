// The dashboard's session cookie: HttpOnly, SameSite=Strict, Secure over HTTPS; only a random id.
const NAME = 'weft_session';

/** The session id in a Cookie header. */
export function sessionIdOf(cookieHeader: string | undefined): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === NAME) {
      const value = part.slice(at + 1).trim();
      return /^[A-Za-z0-9_-]{1,128}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

/** Set-Cookie for a new session: no script reads it, no other site's request carries it. */
export function sessionCookie(id: string, maxAgeMs: number, secure: boolean): string {
  const attributes = [
    `Max-Age=${Math.floor(maxAgeMs / 1000)}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
  ];
  if (secure) attributes.push('Secure');
  return [`${NAME}=${id}`, ...attributes].join('; ');
}

/** Set-Cookie that removes it. */
export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', 0, secure);
}
