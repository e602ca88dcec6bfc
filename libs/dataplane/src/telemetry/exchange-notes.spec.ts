// ExchangeNotes: a logged request's body bytes are counted as they arrive, however it is read.
import { describe, expect, it } from '@jest/globals';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { notesOf, startNotes } from './exchange-notes.js';

describe('startNotes', () => {
  it('counts the body bytes pushed into the request, leaving the body to whoever reads it', async () => {
    const req = new IncomingMessage(new Socket());
    const notes = startNotes(req);
    expect(notesOf(req)).toBe(notes);
    req.push(Buffer.from('hello '));
    req.push('wörld');
    req.push(null);
    // Nothing flowed before the reader came: the chunks are all still there.
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello wörld');
    expect(notes.bytesIn).toBe(12);
    expect(notes.upstreamMs).toBe(-1);
  });
});
