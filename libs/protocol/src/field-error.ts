// Typed validation outcome shared by every parser: a value, or errors naming resource, field path and reason.

/** One reason an input was rejected. `resource` is `Kind/namespace/name` (or the subject/key for messages). */
export interface FieldError {
  readonly resource: string;
  readonly path: string;
  readonly message: string;
}

export type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T>(errors: readonly FieldError[]): Result<T> {
  return { ok: false, errors };
}

/** One line per error, for logs and NACK reasons. */
export function formatErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.resource}: ${e.path || '(root)'}: ${e.message}`).join('; ');
}
