// Gateway API durations (`1m30s`, `500ms`): parsed into milliseconds, and validated within bounds.
import { registerDecorator } from 'class-validator';
import { GATEWAY_DURATION } from './names.js';

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

export function parseDurationMs(duration: string): number {
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/([0-9]+)(ms|h|m|s)/g)) {
    total += Number(amount) * UNIT_MS[unit];
  }
  return total;
}

/** A Gateway API duration from `minMs` to `maxMs`, both included. */
export function DurationWithin(minMs: number, maxMs: number, example: string): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'durationWithin',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: `$property must be a duration from ${minMs}ms to ${maxMs}ms, such as ${example}`,
      },
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'string' || !GATEWAY_DURATION.test(value)) return false;
          const ms = parseDurationMs(value);
          return ms >= minMs && ms <= maxMs;
        },
      },
    });
  };
}

/** A duration no shorter than the object's `other` duration (when both parse). */
export function DurationAtLeast(other: string): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'durationAtLeast',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `$property must not be shorter than ${other}` },
      validator: {
        validate(value: unknown, args): boolean {
          const than = (args?.object as Record<string, unknown> | undefined)?.[other];
          const durations = [value, than].filter(
            (d): d is string => typeof d === 'string' && GATEWAY_DURATION.test(d),
          );
          if (durations.length < 2) return true; // a malformed one: other rules say so
          return parseDurationMs(durations[0]) >= parseDurationMs(durations[1]);
        },
      },
    });
  };
}
