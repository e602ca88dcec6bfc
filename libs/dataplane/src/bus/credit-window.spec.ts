// Flow control of one body: frames split and sent against credit, in order, the window never exceeded.
import { describe, expect, it } from '@jest/globals';
import { IncomingBody, OutgoingBody } from './credit-window.js';

type Sent = { kind: 'data' | 'end'; seq: number; chunk?: Buffer };

function sender(frameBytes: number): { body: OutgoingBody; sent: Sent[] } {
  const sent: Sent[] = [];
  const body = new OutgoingBody(frameBytes, (kind, seq, chunk) => sent.push({ kind, seq, chunk }));
  return { body, sent };
}

describe('OutgoingBody', () => {
  it('splits chunks into frames and sends only as many as the credit allows', () => {
    const { body, sent } = sender(4);
    body.grant(2);
    expect(body.write(Buffer.from('abcdefghij'))).toBe(false);
    expect(sent.map((s) => s.chunk?.toString())).toEqual(['abcd', 'efgh']);
    body.grant(5);
    expect(sent.map((s) => [s.seq, s.chunk?.toString()])).toEqual([
      [1, 'abcd'],
      [2, 'efgh'],
      [3, 'ij'],
    ]);
  });

  it('sends the end only after every queued frame, and tells the writer when it drained', () => {
    const { body, sent } = sender(4);
    let drained = 0;
    body.onDrain = () => drained++;
    expect(body.write(Buffer.from('12345678'))).toBe(false);
    body.end();
    expect(sent).toHaveLength(0);
    body.grant(1);
    expect(drained).toBe(0);
    body.grant(1);
    expect(drained).toBe(1);
    expect(sent.map((s) => `${s.kind}${s.seq}`)).toEqual(['data1', 'data2', 'end2']);
    expect(body.finished).toBe(true);
  });

  it('passes a chunk that fits in one frame through without copying', () => {
    const { body, sent } = sender(16);
    body.grant(1);
    const chunk = Buffer.from('fits');
    expect(body.write(chunk)).toBe(true);
    expect(sent[0].chunk).toBe(chunk);
  });
});

describe('IncomingBody', () => {
  it('takes frames in order only', () => {
    const body = new IncomingBody(4, () => undefined);
    expect(body.receive(1)).toBe(true);
    expect(body.receive(3)).toBe(false);
    expect(body.receive(2)).toBe(true);
    expect(body.receive(2)).toBe(false);
    expect(body.endsAt(2)).toBe(true);
    expect(body.endsAt(3)).toBe(false);
  });

  it('grants credit back in batches of half a window as frames are consumed', () => {
    const grants: number[] = [];
    const body = new IncomingBody(8, (n) => grants.push(n));
    body.consumed(3);
    expect(grants).toEqual([]);
    body.consumed(1);
    expect(grants).toEqual([4]);
    body.consumed(5);
    expect(grants).toEqual([4, 5]);
  });
});

describe('a body through sender and receiver', () => {
  it('reassembles a large body in order with a slow consumer, never beyond the window', () => {
    const window = 4;
    const frames: Buffer[] = [];
    const received: Buffer[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    let ended = false;
    const receiver = new IncomingBody(window, (n) => out.grant(n));
    const out = new OutgoingBody(1000, (kind, seq, chunk) => {
      if (kind === 'end') {
        expect(receiver.endsAt(seq)).toBe(true);
        ended = true;
        return;
      }
      expect(receiver.receive(seq)).toBe(true);
      frames.push(chunk!);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
    });
    out.grant(window);
    const data = Buffer.alloc(50_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 251;
    let writes = 0;
    let offset = 0;
    // The writer waits whenever write() says so; the consumer takes one frame per step.
    let waiting = false;
    out.onDrain = () => (waiting = false);
    while (!ended || frames.length > 0) {
      if (!waiting && offset < data.length) {
        const chunk = data.subarray(offset, offset + 3_000);
        offset += chunk.length;
        writes++;
        waiting = !out.write(chunk);
        if (offset >= data.length) out.end();
      }
      const frame = frames.shift();
      if (frame) {
        received.push(frame);
        inFlight--;
        receiver.consumed();
      }
    }
    expect(writes).toBe(17);
    expect(Buffer.concat(received).equals(data)).toBe(true);
    expect(maxInFlight).toBeLessThanOrEqual(window);
  });
});
