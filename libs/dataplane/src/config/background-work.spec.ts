// Unit spec for BackgroundWork: failures logged and never thrown, serial work in arrival order,
// settled() waiting for tracked work and what it starts.
import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { BackgroundWork } from './background-work.js';

function recordingLog(): { log: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
  return { log, lines };
}

describe('BackgroundWork', () => {
  it('logs a failure with its context instead of throwing it', async () => {
    const { log, lines } = recordingLog();
    const work = new BackgroundWork(log);
    await expect(
      work.own(Promise.reject(new Error('boom')), 'reading failed', { key: 'k' }),
    ).resolves.toBeUndefined();
    expect(JSON.parse(lines[0])).toMatchObject({ msg: 'reading failed', err: 'boom', key: 'k' });
  });

  it('runs serial work one at a time, in arrival order, past a failure', async () => {
    const work = new BackgroundWork(recordingLog().log);
    const order: string[] = [];
    let release: () => void = () => undefined;
    work.serial(async () => {
      order.push('first starts');
      await new Promise<void>((r) => (release = r));
      order.push('first ends');
    }, 'x');
    work.serial(async () => {
      order.push('second');
      throw new Error('boom');
    }, 'x');
    work.serial(async () => void order.push('third'), 'x');
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['first starts']);
    release();
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['first starts', 'first ends', 'second', 'third']);
  });

  it('settles once tracked work, and the work it tracks in turn, is done', async () => {
    const work = new BackgroundWork(recordingLog().log);
    const done: string[] = [];
    let finishOuter: () => void = () => undefined;
    const outer = new Promise<void>((r) => (finishOuter = r)).then(() => {
      void work.track(
        Promise.resolve().then(() => void done.push('inner')),
        'x',
      );
      done.push('outer');
    });
    void work.track(outer, 'x');
    let settled = false;
    const waiting = work.settled().then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    finishOuter();
    await waiting;
    expect(done).toEqual(['outer', 'inner']);
  });
});
