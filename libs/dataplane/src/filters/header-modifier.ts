// Gateway API header modifier (RequestHeaderModifier / ResponseHeaderModifier): remove, set, add.
import type { IncomingHttpHeaders } from 'node:http';
import type { HTTPHeader, HTTPHeaderFilter } from '@app/protocol';

export class HeaderModifier {
  private readonly dropped: ReadonlySet<string>;
  private readonly set: readonly HTTPHeader[];
  private readonly add: readonly HTTPHeader[];

  constructor(spec: HTTPHeaderFilter) {
    this.set = spec.set ?? [];
    this.add = spec.add ?? [];
    // Names compare case-insensitively; a set header replaces every value it had.
    this.dropped = new Set(
      [...(spec.remove ?? []), ...this.set.map((h) => h.name)].map((n) => n.toLowerCase()),
    );
  }

  /** Applies to a flat `[name, value, …]` request header list; returns the new list. */
  applyToFlat(flat: readonly string[]): string[] {
    const out: string[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      if (!this.dropped.has(flat[i].toLowerCase())) out.push(flat[i], flat[i + 1]);
    }
    for (const h of this.set) out.push(h.name, h.value);
    for (const h of this.add) out.push(h.name, h.value);
    return out;
  }

  /** Applies in place to response headers keyed by lower-case name. */
  applyToHeaders(headers: IncomingHttpHeaders): void {
    for (const name of this.dropped) delete headers[name];
    for (const h of this.set) headers[h.name.toLowerCase()] = h.value;
    for (const h of this.add) {
      const name = h.name.toLowerCase();
      const prior = headers[name];
      headers[name] =
        prior === undefined ? h.value : [...(Array.isArray(prior) ? prior : [prior]), h.value];
    }
  }

  /** This modifier, then `next` (a backendRef's after its rule's). */
  then(next: HeaderModifier): HeaderModifier {
    return new ChainedHeaderModifier(this, next);
  }
}

class ChainedHeaderModifier extends HeaderModifier {
  constructor(
    private readonly first: HeaderModifier,
    private readonly second: HeaderModifier,
  ) {
    super({});
  }

  override applyToFlat(flat: readonly string[]): string[] {
    return this.second.applyToFlat(this.first.applyToFlat(flat));
  }

  override applyToHeaders(headers: IncomingHttpHeaders): void {
    this.first.applyToHeaders(headers);
    this.second.applyToHeaders(headers);
  }
}
