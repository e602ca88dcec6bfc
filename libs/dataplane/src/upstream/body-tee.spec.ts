// Unit spec for the body tee: the main request and each mirror get the whole body; a mirror that
// falls behind is dropped without holding the main request back.
import { describe, expect, it } from '@jest/globals';
import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import { BodyTee } from './body-tee.js';

/** Everything `stream` yields, or the error that ended it. */
async function drain(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk as Buffer);
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
  return Buffer.concat(chunks).toString();
}

const request = () => new PassThrough() as unknown as IncomingMessage & PassThrough;

describe('BodyTee', () => {
  it('gives the main request and every mirror the whole body', async () => {
    const req = request();
    const tee = new BodyTee(req, 1024);
    const [a, b] = [tee.branch(), tee.branch()];
    req.write('hello ');
    req.end('mirror');
    expect(await Promise.all([drain(tee.main), drain(a), drain(b)])).toEqual([
      'hello mirror',
      'hello mirror',
      'hello mirror',
    ]);
  });

  it('drops a mirror that falls more than the limit behind; the main request still gets it all', async () => {
    const req = request();
    const tee = new BodyTee(req, 10);
    const stalled = tee.branch(); // never read until the end
    const main = drain(tee.main);
    for (let i = 0; i < 5; i++) req.write('0123456789');
    req.end();
    expect(await main).toBe('0123456789'.repeat(5));
    expect(stalled.destroyed).toBe(true);
    expect(await drain(stalled)).toBe('error: mirror fell behind the request');
  });
});
