// WorkloadRefusals: every refusal counted, at most 5 lines a minute logged, the next saying how many were held back.
import { describe, expect, it } from '@jest/globals';
import type { Logger } from '@app/runtime';
import { WorkloadRefusals } from './workload-refusals.js';

describe('WorkloadRefusals', () => {
  it('logs a heartbeat loop at a bounded rate, then how many it held back', () => {
    const lines: Record<string, unknown>[] = [];
    const log = {
      warn: (fields: Record<string, unknown>) => lines.push(fields),
    } as unknown as Logger;
    let now = 0;
    const refusals = new WorkloadRefusals(log, () => now);
    for (let i = 0; i < 100; i++) refusals.note('weft.v1.health.shop.kiosk.kiosk.k1', 'no group');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toEqual({ subject: 'weft.v1.health.shop.kiosk.kiosk.k1', reason: 'no group' });
    now = 60_000;
    refusals.note('weft.v1.health.shop.kiosk.kiosk.k1', 'no group');
    expect(lines[5]).toMatchObject({ heldBack: 95 });
  });
});
