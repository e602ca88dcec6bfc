// Named readiness conditions; `/readyz` is green only when every condition holds.
import { Injectable } from '@nestjs/common';

@Injectable()
export class Readiness {
  private readonly conditions = new Map<string, boolean>();

  /** Declares a condition, initially false. */
  require(name: string): void {
    if (!this.conditions.has(name)) this.conditions.set(name, false);
  }

  set(name: string, ok: boolean): void {
    this.conditions.set(name, ok);
  }

  get ready(): boolean {
    return [...this.conditions.values()].every(Boolean);
  }

  snapshot(): Record<string, boolean> {
    return Object.fromEntries(this.conditions);
  }
}
