// AccessLog: records carry what the exchange noted; the bus gets at most N a second, never an error.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { pino } from 'pino';
import { AccessLog } from './access-log.js';
import { ExchangeNotes } from './exchange-notes.js';

const base = {
  time: 0,
  traceId: 't'.repeat(32),
  listener: 'outbound',
  method: 'GET',
  host: 'b',
  path: '/x',
  status: 200,
  durationMs: 1.5,
  sourcePrincipal: 'spiffe://cluster.local/ns/shop/sa/web',
};

function notes(): ExchangeNotes {
  return Object.assign(new ExchangeNotes(), {
    route: 'HTTPRoute/default/r#0',
    upstream: 'default/b',
    retries: 1,
  });
}

describe('AccessLog', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('publishes records with the notes of the exchange, at most N per second', () => {
    const sent: unknown[] = [];
    const log = new AccessLog(
      { stdout: false, publishPerSecond: 3, sampleRatio: 1, subject: 's' },
      pino({ level: 'silent' }),
      (_s, p) => sent.push(JSON.parse(new TextDecoder().decode(p))) > 0,
    );
    for (let i = 0; i < 5; i++) if (log.begin()) log.write(base, notes());
    expect(sent).toHaveLength(3);
    expect(sent[0]).toMatchObject({
      v: 1,
      ...base,
      route: 'HTTPRoute/default/r#0',
      upstream: 'default/b',
      retries: 1,
    });
    expect(log.dropped).toBe(2);
    jest.advanceTimersByTime(1_000);
    for (let i = 0; i < 5; i++) if (log.begin()) log.write(base, notes());
    expect(sent).toHaveLength(6);
  });

  it('survives a publisher that throws, and records nothing with neither output', () => {
    const log = new AccessLog(
      { stdout: false, publishPerSecond: 10, sampleRatio: 1, subject: 's' },
      pino({ level: 'silent' }),
      () => {
        throw new Error('connection closed');
      },
    );
    expect(log.begin()).toBe(true);
    expect(() => log.write(base, notes())).not.toThrow();
    expect(log.dropped).toBe(1);
    expect(
      new AccessLog(
        { stdout: false, publishPerSecond: 0, sampleRatio: 1, subject: 's' },
        pino(),
        () => true,
      ).begin(),
    ).toBe(false);
  });

  it('samples a share of requests before the rate cap, and counts records the bus could not take', () => {
    const random = jest.spyOn(Math, 'random');
    const log = new AccessLog(
      { stdout: false, publishPerSecond: 100, sampleRatio: 0.25, subject: 's' },
      pino({ level: 'silent' }),
      () => false,
    );
    random.mockReturnValueOnce(0.2).mockReturnValueOnce(0.3).mockReturnValueOnce(0.9);
    expect([log.begin(), log.begin(), log.begin()]).toEqual([true, false, false]);
    random.mockRestore();
    log.write(base, notes());
    // Sampled out is not dropped; handed over to a disconnected bus is.
    expect(log.dropped).toBe(1);
  });

  it('records durations (total and upstream) and bytes both ways', () => {
    const sent: Record<string, unknown>[] = [];
    const log = new AccessLog(
      { stdout: false, publishPerSecond: 10, sampleRatio: 1, subject: 's' },
      pino({ level: 'silent' }),
      (_s, p) => sent.push(JSON.parse(new TextDecoder().decode(p)) as Record<string, unknown>) > 0,
    );
    const answered = Object.assign(notes(), { upstreamMs: 1.25, bytesIn: 7, bytesOut: 42 });
    log.write(base, answered);
    log.write({ ...base, status: 404 }, new ExchangeNotes());
    expect(sent[0]).toMatchObject({ durationMs: 1.5, upstreamMs: 1.25, bytesIn: 7, bytesOut: 42 });
    // Answered by the proxy itself: no upstream time.
    expect(sent[1]).toMatchObject({ upstreamMs: null, bytesIn: 0, bytesOut: 0 });
  });

  it("publishes a workload's records on its own subject, within the proxy's one rate cap", () => {
    const subjects: string[] = [];
    const log = new AccessLog(
      { stdout: false, publishPerSecond: 2, sampleRatio: 1, subject: 'access.shop.node' },
      pino({ level: 'silent' }),
      (s) => subjects.push(s) > 0,
    );
    const cart = log.on('access.shop.cart');
    for (const l of [cart, log, cart]) if (l.begin()) l.write(base, notes());
    expect(subjects).toEqual(['access.shop.cart', 'access.shop.node']);
    expect(log.dropped).toBe(1);
    expect(cart.dropped).toBe(1);
  });
});
