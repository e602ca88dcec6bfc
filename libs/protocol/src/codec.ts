// JSON codec for NATS payloads and KV values, with typed parsers that never throw on garbage.
import type { ClassConstructor } from 'class-transformer';
import { fail, type Result } from './field-error.js';
import { parseInto } from './validation/parse-into.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encode(value: object): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Decodes UTF-8 JSON; `label` names the subject or key in the error. */
export function decodeJson(bytes: Uint8Array, label: string): Result<unknown> {
  try {
    return { ok: true, value: JSON.parse(decoder.decode(bytes)) as unknown };
  } catch (err) {
    return fail([
      { resource: label, path: '', message: `not valid UTF-8 JSON: ${(err as Error).message}` },
    ]);
  }
}

/** Decodes and validates one message class from raw bytes. */
export function decodeMessage<T extends object>(
  cls: ClassConstructor<T>,
  bytes: Uint8Array,
  label: string,
): Result<T> {
  const json = decodeJson(bytes, label);
  return json.ok ? parseInto(cls, json.value, label) : json;
}
