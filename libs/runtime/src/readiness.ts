// Named readiness conditions; `/readyz` is green only when every condition holds.
import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/** Emits `change` with the new overall readiness whenever it flips. */
@Injectable()
export class Readiness extends EventEmitter<{ change: [ready: boolean] }> {
  private readonly conditions = new Map<string, boolean>();

  /** Declares a condition, initially false. */
  require(name: string): void {
    if (!this.conditions.has(name)) this.conditions.set(name, false);
  }

  set(name: string, ok: boolean): void {
    const before = this.ready;
    this.conditions.set(name, ok);
    const after = this.ready;
    if (after !== before) this.emit('change', after);
  }

  get ready(): boolean {
    return [...this.conditions.values()].every(Boolean);
  }

  snapshot(): Record<string, boolean> {
    return Object.fromEntries(this.conditions);
  }
}
