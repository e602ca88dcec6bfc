// Flow control of one body over the bus: the sender spends credit per data frame, the receiver
// grants it back as its consumer takes frames, so at most one window is ever in flight or buffered.

/** What a sender emits: a data frame (1-based `seq`, in order) or the end after `seq` frames. */
export type BodyEmit = (kind: 'data' | 'end', seq: number, chunk?: Buffer) => void;

/** Sender half: splits chunks into frames, sends while credit lasts, queues the rest. */
export class OutgoingBody {
  private credit = 0;
  private seq = 0;
  private readonly queue: Buffer[] = [];
  private ending = false;
  private ended = false;
  /** A `write` returned false and its frames still wait for credit. */
  private blocked = false;
  /** Called once the queue empties after a `write` returned false. */
  onDrain: (() => void) | undefined;

  constructor(
    private readonly frameBytes: number,
    private readonly emit: BodyEmit,
  ) {}

  /** Frames sent so far. */
  get sent(): number {
    return this.seq;
  }

  get finished(): boolean {
    return this.ended;
  }

  /** Queues `chunk`; true when all of it went out at once (false: wait for `onDrain`). */
  write(chunk: Buffer): boolean {
    for (let at = 0; at < chunk.length; at += this.frameBytes) {
      this.queue.push(
        at === 0 && chunk.length <= this.frameBytes
          ? chunk
          : chunk.subarray(at, at + this.frameBytes),
      );
    }
    this.flush();
    this.blocked = this.queue.length > 0;
    return !this.blocked;
  }

  /**
   * Frame 1 went out inside another frame (a small answer in its head): counted and paid for here.
   * Only before any other frame, with credit left.
   */
  sentInline(): void {
    if (this.seq !== 0 || this.credit === 0)
      throw new Error('inline frame after others or without credit');
    this.seq = 1;
    this.credit--;
  }

  /** The end goes out after every queued frame. */
  end(): void {
    this.ending = true;
    this.flush();
  }

  /** The receiver consumed `frames`: that many more may go. */
  grant(frames: number): void {
    this.credit += frames;
    this.flush();
  }

  private flush(): void {
    while (this.credit > 0 && this.queue.length > 0) {
      this.credit--;
      this.emit('data', ++this.seq, this.queue.shift());
    }
    if (this.ending && !this.ended && this.queue.length === 0) {
      this.ended = true;
      this.emit('end', this.seq);
    }
    if (this.blocked && this.queue.length === 0) {
      this.blocked = false;
      this.onDrain?.();
    }
  }
}

/**
 * Receiver half: checks frames arrive in order and grants credit back in batches of half a window
 * as frames are consumed (a batch never exceeds the window, so the sender is never left stuck).
 */
export class IncomingBody {
  private expected = 1;
  private consumedSinceGrant = 0;
  private readonly batch: number;

  constructor(
    window: number,
    private readonly grant: (frames: number) => void,
  ) {
    this.batch = Math.max(1, Math.ceil(window / 2));
  }

  /** Frames received so far. */
  get received(): number {
    return this.expected - 1;
  }

  /** False when `seq` is not the next frame: a lost or repeated frame breaks the exchange. */
  receive(seq: number): boolean {
    if (seq !== this.expected) return false;
    this.expected++;
    return true;
  }

  /** True when an end after `seq` frames matches what arrived. */
  endsAt(seq: number): boolean {
    return seq === this.expected - 1;
  }

  /** The consumer took `frames` frames off our hands. */
  consumed(frames = 1): void {
    this.consumedSinceGrant += frames;
    if (this.consumedSinceGrant >= this.batch) {
      const n = this.consumedSinceGrant;
      this.consumedSinceGrant = 0;
      this.grant(n);
    }
  }
}
