// Unit spec for the replay copy of a request body: whole within the limit, dropped past it, never
// taking chunks from the consumer that sends the body upstream.
import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { ReplayBody } from './replay-body.js';

/** A body and what its upstream consumer received. */
function body(): { stream: PassThrough; sent: Buffer[] } {
  const stream = new PassThrough();
  const sent: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => sent.push(chunk));
  return { stream, sent };
}

const ended = (stream: PassThrough) =>
  new Promise<void>((resolve) => stream.once('end', () => resolve()));

describe('ReplayBody', () => {
  it('keeps a copy of the whole body once it ended, the consumer getting every chunk too', async () => {
    const { stream, sent } = body();
    const replay = new ReplayBody(stream, 10);
    stream.write('abc');
    expect(replay.complete).toBe(false);
    stream.end('defg');
    await ended(stream);
    expect(replay.complete).toBe(true);
    expect(replay.replay().toString()).toBe('abcdefg');
    expect(Buffer.concat(sent).toString()).toBe('abcdefg');
  });

  it('drops the copy of a body past the limit: it cannot be resent', async () => {
    const { stream, sent } = body();
    const replay = new ReplayBody(stream, 4);
    stream.write('abc');
    stream.end('defg');
    await ended(stream);
    expect(replay.complete).toBe(false);
    expect(Buffer.concat(sent).toString()).toBe('abcdefg');
  });
});
