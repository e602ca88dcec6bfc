// Parses Gateway API durations (`1m30s`, `500ms`) into milliseconds.
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

export function parseDurationMs(duration: string): number {
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/([0-9]+)(ms|h|m|s)/g)) {
    total += Number(amount) * UNIT_MS[unit];
  }
  return total;
}
