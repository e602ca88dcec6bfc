// HeartbeatDecoder: repeats of a validated heartbeat skip validation, anything else is validated as before.
import { describe, expect, it } from '@jest/globals';
import { encode, type Heartbeat } from '@app/protocol';
import { HeartbeatDecoder } from './heartbeat-decoder.js';

const SUBJECT = 'weft.v1.health.default.b.b.b1';

function beat(overrides: Partial<Heartbeat> = {}): Heartbeat {
  return {
    v: 1,
    namespace: 'default',
    service: 'b',
    serviceAccount: 'b',
    instanceId: 'b1',
    proxyId: 'b1',
    mode: 'sidecar',
    address: '127.0.0.1',
    port: 15006,
    labels: { app: 'b', version: 'v1' },
    state: 'ready',
    sentAt: 1_000,
    ...overrides,
  };
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('HeartbeatDecoder', () => {
  it('takes a repeat with a new timestamp as valid, with that timestamp', () => {
    const decoder = new HeartbeatDecoder(100);
    expect(decoder.decode(encode(beat()), SUBJECT)).toMatchObject({ ok: true });
    const again = decoder.decode(encode(beat({ sentAt: 2_000 })), SUBJECT);
    expect(again).toEqual({ ok: true, value: expect.objectContaining({ sentAt: 2_000 }) });
    expect(again.ok && again.value.labels).toEqual({ app: 'b', version: 'v1' });
  });

  it('validates anything else that differs, and rejects what is invalid', () => {
    const decoder = new HeartbeatDecoder(100);
    decoder.decode(encode(beat()), SUBJECT);
    expect(decoder.decode(encode(beat({ state: 'draining' })), SUBJECT)).toMatchObject({
      ok: true,
      value: { state: 'draining' },
    });
    expect(decoder.decode(encode(beat({ state: 'asleep' as never })), SUBJECT)).toMatchObject({
      ok: false,
    });
    expect(decoder.decode(encode(beat({ port: -1, sentAt: 3_000 })), SUBJECT).ok).toBe(false);
  });

  it('never takes a timestamp JSON or the schema would refuse', () => {
    const decoder = new HeartbeatDecoder(100);
    const valid = JSON.stringify(beat());
    decoder.decode(bytes(valid), SUBJECT);
    for (const sentAt of ['007', '-5', '1.5', '"1000"', 'null']) {
      const text = valid.replace('"sentAt":1000', `"sentAt":${sentAt}`);
      expect(decoder.decode(bytes(text), SUBJECT).ok).toBe(false);
    }
  });

  it('does not let a valid heartbeat of one subject vouch for another subject', () => {
    const decoder = new HeartbeatDecoder(100);
    decoder.decode(encode(beat()), SUBJECT);
    const other = decoder.decode(encode(beat()), 'weft.v1.health.default.b.b.b2');
    expect(other.ok).toBe(true);
    const garbage = new Uint8Array([...encode(beat()).slice(0, -1), 0xff, 0x7d]);
    expect(decoder.decode(garbage, SUBJECT).ok).toBe(false);
  });

  it('forgets subjects not heard for two generations (instances gone)', () => {
    let now = 0;
    const decoder = new HeartbeatDecoder(100, () => now);
    const first = encode(beat());
    decoder.decode(first, SUBJECT);
    now = 61_000;
    decoder.decode(encode(beat()), 'weft.v1.health.default.b.b.b2');
    now = 122_000;
    decoder.decode(encode(beat()), 'weft.v1.health.default.b.b.b2');
    // Still decodes (validated afresh): forgetting only costs a validation.
    expect(decoder.decode(first, SUBJECT).ok).toBe(true);
  });

  it('remembers at most its bound of subjects: a flood of them is validated, not kept', () => {
    const decoder = new HeartbeatDecoder(10);
    for (let i = 0; i < 1_000; i++) {
      const instanceId = `flood-${i}`;
      const hb = encode(beat({ instanceId, proxyId: instanceId }));
      expect(decoder.decode(hb, `weft.v1.health.default.b.b.${instanceId}`).ok).toBe(true);
    }
    expect(decoder.remembered).toBe(10);
    // One it remembers still skips validation; one it does not is validated, and still decodes.
    expect(decoder.decode(encode(beat({ instanceId: 'flood-999' })), SUBJECT).ok).toBe(true);
  });
});
