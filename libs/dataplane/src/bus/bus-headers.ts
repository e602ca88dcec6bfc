// Frames and HTTP headers as NATS headers: frame fields under `Weft-Bus-*`, HTTP headers as themselves.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { BUS_HEADER, BUS_HEADER_PREFIX, type BusFrameKind } from '@app/protocol';

export type FrameFields = Partial<Record<keyof typeof BUS_HEADER, string | number>>;

/** NATS headers of one frame. */
export function frameHeaders(kind: BusFrameKind, fields?: FrameFields): MsgHdrs {
  const h = natsHeaders();
  h.set(BUS_HEADER.frame, kind);
  if (fields) {
    for (const name in fields) {
      const field = name as keyof typeof BUS_HEADER;
      h.set(BUS_HEADER[field], String(fields[field]));
    }
  }
  return h;
}

/** Adds a flat `[name, value, …]` HTTP header list; reserved `Weft-Bus-*` names are left out. */
export function appendFlatHeaders(h: MsgHdrs, flat: readonly string[]): void {
  for (let i = 0; i < flat.length; i += 2) {
    if (!isReserved(flat[i])) h.append(flat[i], flat[i + 1]);
  }
}

/** Adds HTTP headers from node's object form (multi-valued ones as repeated headers). */
export function appendHeaderMap(h: MsgHdrs, headers: OutgoingHttpHeaders): void {
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || isReserved(name)) continue;
    if (Array.isArray(value)) for (const v of value) h.append(name, v);
    else h.append(name, String(value));
  }
}

/** The HTTP headers a frame carries, as a flat list (names as sent). */
export function flatHeadersOf(h: MsgHdrs): string[] {
  const flat: string[] = [];
  for (const [name, values] of h) {
    if (isReserved(name)) continue;
    for (const v of values) flat.push(name, v);
  }
  return flat;
}

/** node's object form of a flat list: lower-case names, `set-cookie` an array, repeats joined. */
export function headerMapOf(flat: readonly string[]): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i].toLowerCase();
    const value = flat[i + 1];
    const prior = out[name];
    if (name === 'set-cookie') out[name] = [...(prior ?? []), value];
    else out[name] = prior === undefined ? value : `${String(prior)}, ${value}`;
  }
  return out;
}

/** `w`/`W` first: the common header never pays for the lower-casing. */
function isReserved(name: string): boolean {
  return (name.charCodeAt(0) | 0x20) === 0x77 && name.toLowerCase().startsWith(BUS_HEADER_PREFIX);
}
