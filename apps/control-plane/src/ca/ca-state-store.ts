// The CA bucket: the one CA state value, read, created once, replaced by compare-and-set, watched.
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { KV, KvEntry } from '@nats-io/kv';
import { decodeMessage, encode, formatErrors } from '@app/protocol';
import { CA_STATE_KEY, CaState } from './ca-state.dto.js';

export interface StoredState {
  readonly state: CaState;
  readonly revision: number;
}

/** Another replica wrote first; re-read and decide again. */
export class StateConflict extends Error {}

const WATCH_RETRY_MS = 500;

export class CaStateStore {
  private stopped = false;
  private stopWatch: (() => void) | undefined;

  constructor(private readonly kv: KV) {}

  async read(): Promise<StoredState | undefined> {
    return this.decode(await this.kv.get(CA_STATE_KEY));
  }

  /** Writes `state` if the stored revision is still `revision` (0: if there is none yet). */
  async swap(state: CaState, revision: number): Promise<number> {
    try {
      return revision === 0
        ? await this.kv.create(CA_STATE_KEY, encode(state))
        : await this.kv.update(CA_STATE_KEY, encode(state), revision);
    } catch (err) {
      if (
        err instanceof JetStreamApiError &&
        (err.code === JetStreamApiCodes.StreamWrongLastSequence ||
          err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
      )
        throw new StateConflict(err.message);
      throw err;
    }
  }

  /** Calls `onState` with every stored value from now on (re-watching after NATS trouble). */
  async watch(
    onState: (stored: StoredState) => void,
    onError: (err: Error) => void,
  ): Promise<void> {
    while (!this.stopped) {
      try {
        const iter = await this.kv.watch({ key: CA_STATE_KEY });
        this.stopWatch = () => iter.stop();
        for await (const entry of iter) {
          const stored = this.decode(entry);
          if (stored) onState(stored);
        }
      } catch (err) {
        onError(err as Error);
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, WATCH_RETRY_MS));
    }
  }

  stop(): void {
    this.stopped = true;
    this.stopWatch?.();
  }

  /** A value that is not a CA state is an error to stop on: signing from a guess is never right. */
  private decode(entry: KvEntry | null): StoredState | undefined {
    if (!entry || entry.operation !== 'PUT') return undefined;
    const state = decodeMessage(CaState, entry.value, CA_STATE_KEY);
    if (!state.ok)
      throw new Error(`the CA bucket holds an invalid state: ${formatErrors(state.errors)}`);
    return { state: state.value, revision: entry.revision };
  }
}
