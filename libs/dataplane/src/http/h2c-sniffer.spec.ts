// Unit spec for the h2c sniffer: the HTTP/2 preface told from HTTP/1.1 request lines, however the
// first bytes are split across reads.
import { describe, expect, it, jest } from '@jest/globals';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { H2_PREFACE, prefaceMatch, sniffH2c } from './h2c-sniffer.js';

describe('prefaceMatch', () => {
  it('is true for the whole preface, with or without the frames after it', () => {
    expect(prefaceMatch(H2_PREFACE)).toBe(true);
    expect(prefaceMatch(Buffer.concat([H2_PREFACE, Buffer.from([0, 0, 0, 4])]))).toBe(true);
  });

  it('waits on a strict prefix of the preface', () => {
    expect(prefaceMatch(Buffer.from('PRI * HTTP/2'))).toBeUndefined();
    expect(prefaceMatch(Buffer.from('P'))).toBeUndefined();
  });

  it('is false at the first byte that differs', () => {
    expect(prefaceMatch(Buffer.from('GET / HTTP/1.1\r\n'))).toBe(false);
    expect(prefaceMatch(Buffer.from('POST'))).toBe(false);
    expect(prefaceMatch(Buffer.from('PRI / HTTP/1.1\r\n'))).toBe(false);
  });
});

describe('sniffH2c', () => {
  /** Feeds `reads` as data events and returns what the sniffer said, once. */
  function sniff(reads: string[]): { calls: [boolean, string][]; listeners: number } {
    const socket = new EventEmitter();
    const calls: [boolean, string][] = [];
    sniffH2c(socket as unknown as Socket, 1_000, (h2c, head) => calls.push([h2c, head.toString()]));
    for (const read of reads) socket.emit('data', Buffer.from(read, 'latin1'));
    const listeners = socket.listenerCount('data');
    socket.emit('close'); // the undecided one's timer goes with it
    return { calls, listeners };
  }

  it('decides on the first read that settles it and hands every byte read so far on', () => {
    const preface = H2_PREFACE.toString('latin1');
    expect(sniff([preface.slice(0, 5), preface.slice(5) + 'xyz', 'later'])).toEqual({
      calls: [[true, `${preface}xyz`]],
      listeners: 0,
    });
    expect(sniff(['PR', 'INT'])).toEqual({ calls: [[false, 'PRINT']], listeners: 0 });
    expect(sniff(['GET / HTTP/1.1\r\n'])).toEqual({
      calls: [[false, 'GET / HTTP/1.1\r\n']],
      listeners: 0,
    });
  });

  it('keeps listening while the bytes are a prefix of the preface', () => {
    expect(sniff(['PRI *'])).toEqual({ calls: [], listeners: 1 });
  });

  it('closes a connection whose peer hangs up before saying anything (no CLOSE-WAIT left behind)', () => {
    const quitter = Object.assign(new EventEmitter(), { destroy: jest.fn() });
    const talker = Object.assign(new EventEmitter(), { destroy: jest.fn() });
    sniffH2c(quitter as unknown as Socket, 1_000, () => undefined);
    sniffH2c(talker as unknown as Socket, 1_000, () => undefined);
    talker.emit('data', Buffer.from('GET / HTTP/1.1\r\n'));
    quitter.emit('end');
    talker.emit('end'); // handed on: ending it is the HTTP server's business now
    expect(quitter.destroy).toHaveBeenCalledTimes(1);
    expect(talker.destroy).not.toHaveBeenCalled();
    quitter.emit('close');
    talker.emit('close');
  });

  it('closes a connection that says nothing within the timeout, and only that one', () => {
    jest.useFakeTimers();
    try {
      const silent = Object.assign(new EventEmitter(), { destroy: jest.fn() });
      const talker = Object.assign(new EventEmitter(), { destroy: jest.fn() });
      sniffH2c(silent as unknown as Socket, 1_000, () => undefined);
      sniffH2c(talker as unknown as Socket, 1_000, () => undefined);
      talker.emit('data', Buffer.from('GET / HTTP/1.1\r\n'));
      jest.advanceTimersByTime(999);
      expect(silent.destroy).not.toHaveBeenCalled();
      jest.advanceTimersByTime(1);
      expect(silent.destroy).toHaveBeenCalledTimes(1);
      expect(talker.destroy).not.toHaveBeenCalled();
    } finally {
      jest.useRealTimers();
    }
  });
});
