// Why a config change was not applied: the request was invalid, or the bucket could not take it.
import type { FieldError } from '@app/protocol';

/** A rejected request: every error names resource, field path and reason; nothing of it was stored. */
export class ApplyRejected extends Error {
  constructor(readonly errors: readonly FieldError[]) {
    super(`${errors.length} error(s); nothing applied`);
  }
}

/**
 * NATS or the bucket did not confirm a write: the revision is not published, unless the write left
 * unconfirmed was its marker and landed (sending the request again is safe either way).
 */
export class ConfigStoreUnavailable extends Error {}
