// A request body split between the main request and its mirrors, the mirrors never slowing it.
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';

/**
 * The request is piped into `main` (the main request's body: backpressure from its upstream
 * pauses the request as before); each mirror's branch gets a copy of every chunk without
 * backpressure, and is destroyed, failing only that mirror, once it holds more than `limit`
 * bytes its upstream has not taken.
 */
export class BodyTee {
  readonly main = new PassThrough();
  private readonly branches: PassThrough[] = [];

  /**
   * Call it before the main request's consumer is attached and in the same tick as the request's
   * handler (no chunk flows before both branches exist).
   */
  constructor(
    req: IncomingMessage,
    private readonly limit: number,
  ) {
    req.pipe(this.main);
    req.on('data', this.copy);
    req.once('end', this.end);
    req.once('error', this.fail);
  }

  /** A copy of the body for one mirror. */
  branch(): PassThrough {
    const branch = new PassThrough();
    // Dropping a mirror fails its request only; its body's error has no one else to tell.
    branch.on('error', () => undefined);
    this.branches.push(branch);
    return branch;
  }

  private readonly copy = (chunk: Buffer): void => {
    for (const branch of this.branches) {
      if (branch.destroyed) continue;
      // Bytes its upstream has not taken: both halves of the PassThrough.
      if (branch.writableLength + branch.readableLength + chunk.length > this.limit) {
        branch.destroy(new Error('mirror fell behind the request'));
      } else branch.write(chunk);
    }
  };

  private readonly end = (): void => {
    for (const branch of this.branches) if (!branch.destroyed) branch.end();
  };

  private readonly fail = (): void => {
    for (const branch of this.branches) branch.destroy();
  };
}
