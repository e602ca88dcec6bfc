// Heartbeat decoding at 10,000 a second: a heartbeat that repeats its subject's last valid one but
// for its timestamp is taken without validating it again (class-validator costs more than the rest).
import { decodeMessage, Heartbeat, type Result } from '@app/protocol';

/** A top-level `sentAt` as JSON writes an integer; a match inside a string would be escaped. */
const SENT_AT = /"sentAt":(0|[1-9][0-9]{0,15})(?=[,}])/;

/** Entries of subjects not heard for two periods (instances gone) are dropped. */
const GENERATION_MS = 60_000;

interface Known {
  /** The payload text without its `sentAt` member. */
  readonly rest: string;
  readonly value: Heartbeat;
}

export class HeartbeatDecoder {
  private readonly text = new TextDecoder('utf-8', { fatal: true });
  private current = new Map<string, Known>();
  private previous = new Map<string, Known>();
  private generationStart: number;

  /** `maxSubjects`: subjects remembered per generation (past it, a heartbeat is just validated). */
  constructor(
    private readonly maxSubjects: number,
    private readonly now: () => number = Date.now,
  ) {
    this.generationStart = now();
  }

  /** Subjects whose last valid heartbeat is remembered now. */
  get remembered(): number {
    return new Set([...this.current.keys(), ...this.previous.keys()]).size;
  }

  /** The heartbeat in `data`, validated unless it repeats the last valid one on `subject`. */
  decode(data: Uint8Array, subject: string): Result<Heartbeat> {
    this.rotate();
    const rest = this.withoutSentAt(data);
    const known = rest && (this.current.get(subject) ?? this.previous.get(subject));
    if (known && rest.text === known.rest) {
      this.current.set(subject, known);
      return { ok: true, value: { ...known.value, sentAt: rest.sentAt } };
    }
    const hb = decodeMessage(Heartbeat, data, subject);
    if (hb.ok && rest && (this.current.has(subject) || this.current.size < this.maxSubjects))
      this.current.set(subject, { rest: rest.text, value: hb.value });
    return hb;
  }

  private withoutSentAt(data: Uint8Array): { text: string; sentAt: number } | undefined {
    let text: string;
    try {
      text = this.text.decode(data);
    } catch {
      return undefined;
    }
    const m = SENT_AT.exec(text);
    if (!m) return undefined;
    return {
      text: text.slice(0, m.index) + text.slice(m.index + m[0].length),
      sentAt: Number(m[1]),
    };
  }

  private rotate(): void {
    const now = this.now();
    if (now - this.generationStart < GENERATION_MS) return;
    this.previous = this.current;
    this.current = new Map();
    this.generationStart = now;
  }
}
