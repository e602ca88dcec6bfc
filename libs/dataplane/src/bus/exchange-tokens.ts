// Unguessable names for bus exchanges: a peer that learned one exchange inbox of a proxy (every
// caller and responder does) must not be able to address that proxy's other exchanges, which
// carry other parties' requests and answers.
import { randomFillSync } from 'node:crypto';

/** 96 random bits per token, 16 base64url characters. */
const TOKEN_BYTES = 12;
/** Random bytes drawn at once: one fill serves 341 exchanges. */
const POOL_BYTES = 4096;

export class ExchangeTokens {
  private readonly pool = Buffer.allocUnsafe(POOL_BYTES);
  private offset = POOL_BYTES;

  next(): string {
    if (this.offset + TOKEN_BYTES > POOL_BYTES) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const token = this.pool.toString('base64url', this.offset, this.offset + TOKEN_BYTES);
    this.offset += TOKEN_BYTES;
    return token;
  }
}
