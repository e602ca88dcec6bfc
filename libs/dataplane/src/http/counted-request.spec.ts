// Unit spec for requests that count their body bytes as they arrive, however the body is read.
import { describe, expect, it } from '@jest/globals';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { bodyBytesOf, CountedRequest } from './counted-request.js';

describe('CountedRequest', () => {
  it('counts the body bytes pushed into the request, leaving the body to whoever reads it', async () => {
    const req = new CountedRequest(new Socket());
    req.push(Buffer.from('hello '));
    req.push('wörld');
    req.push(null);
    // Nothing flowed before the reader came: the chunks are all still there.
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello wörld');
    expect(bodyBytesOf(req)).toBe(12);
  });

  it('says 0 for a request that does not count', () => {
    expect(bodyBytesOf(new IncomingMessage(new Socket()))).toBe(0);
  });
});
