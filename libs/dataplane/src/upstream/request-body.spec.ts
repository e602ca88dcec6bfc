// Unit spec for the request body upstream: which requests may be resent, the first try's body (teed
// for mirrors, once per exchange), and a resend's copy.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { fakeExchange, fakeRequest, recordedResponse } from '../http/http-doubles.testing.js';
import type { ExchangePolicy } from '../routing/route-table.js';
import { firstBody, mirrorBody } from './request-body.js';
import { answer } from './scripted-upstream.testing.js';
import { A, fakeTime, realTime, ScriptedService } from './upstream-doubles.testing.js';
const RETRY: ExchangePolicy = {
  timeoutMs: 300,
  retry: { codes: new Set([503]), attempts: 1, backoffMs: 1 },
};

describe('request body', () => {
  let svc: ScriptedService;

  beforeEach(() => {
    fakeTime();
    svc = new ScriptedService([A]);
  });

  afterEach(realTime);

  it('resends a bodiless idempotent request; a bodiless POST only where the policy allows it', () => {
    svc.scriptAll(answer(503));
    const tries = (method: string, headers: IncomingHttpHeaders = {}) => {
      const before = svc.upstream.attempts.length;
      svc.send(RETRY, fakeExchange(fakeRequest({ method, headers }), recordedResponse()));
      jest.runAllTimers();
      return svc.upstream.attempts.length - before;
    };
    expect(tries('GET')).toBe(2);
    expect(tries('POST')).toBe(1);
    expect(tries('PUT', { 'content-length': '5' })).toBe(1); // a body not copied cannot be resent
    svc.configure({ retryNonIdempotent: true });
    expect(tries('POST')).toBe(2);
    expect(svc.ctx.retries).toEqual(['status_503', 'status_503']);
  });

  it('tees the body once per exchange when mirrors copy it; the first try gets the main branch', () => {
    const req = Object.assign(new PassThrough(), {
      headers: { 'content-length': '5' },
    }) as unknown as IncomingMessage;
    const ex = fakeExchange(req);
    const [one, two] = [mirrorBody(ex), mirrorBody(ex)];
    expect(one).not.toBe(two);
    expect(ex.tee).toBeDefined();
    expect(firstBody(ex)).toBe(ex.tee!.main);
  });

  it('sends the request itself as the body when no mirror teed it, none without a body', () => {
    const req = fakeRequest({ method: 'POST', headers: { 'transfer-encoding': 'chunked' } });
    expect(firstBody(fakeExchange(req))).toBe(req);
    expect(firstBody(fakeExchange())).toBeNull();
    expect(mirrorBody(fakeExchange())).toBeNull();
  });
});
