// Admin API bearer tokens: how one is made, read from a request, and kept (as a hash, never itself).
import { createHash, randomBytes } from 'node:crypto';

/** Marks a Weft admin token, so secret scanners and people can tell what leaked. */
const TOKEN_PREFIX = 'weft_';

/** Any token the API takes, an operator's own included: printable, no blanks, hard to guess. */
export const TOKEN_SYNTAX = /^[\x21-\x7e]{32,512}$/;

/** A new token: 256 random bits. */
export function newAdminToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * What is stored and compared. The token is 256 random bits (or an operator's secret of at least
 * 32 characters), not a password: a fast hash keeps it unguessable, a slow KDF would add nothing.
 */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750; the scheme is
 * case-insensitive); undefined for any other header, or none.
 */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^bearer +(\S+) *$/i.exec(authorization ?? '');
  return match?.[1];
}
