// The one error type commands throw: a one-line message for the user, optional detail lines, an exit code.

export class CliError extends Error {
  constructor(
    message: string,
    /** Lines printed after the message (validation errors, hints). */
    readonly details: readonly string[] = [],
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** The errno-style code of a failed network call (`ECONNREFUSED`, `UND_ERR_CONNECT_TIMEOUT`, …). */
export function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; errors?: unknown[]; cause?: unknown } | null;
  if (e === null || typeof e !== 'object') return undefined;
  if (typeof e.code === 'string') return e.code;
  // Happy-eyeballs connects (localhost → ::1 and 127.0.0.1) fail with an AggregateError.
  if (Array.isArray(e.errors) && e.errors.length > 0) return errorCode(e.errors[0]);
  return e.cause === undefined ? undefined : errorCode(e.cause);
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
