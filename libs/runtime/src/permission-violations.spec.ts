import { PermissionViolationError } from '@nats-io/transport-node';
import { pino } from 'pino';
import { PermissionViolations } from './permission-violations.js';

describe('PermissionViolations', () => {
  it('logs at most five lines a minute and sums up what it left out in the next one', () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino(
      { level: 'error' },
      { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    let now = 0;
    const v = new PermissionViolations(log, () => now);
    const err = new PermissionViolationError(
      'Permissions Violation for Publish to "$KV.weft-config.x"',
      'publish',
      '$KV.weft-config.x',
    );
    for (let i = 0; i < 100; i++) v.note(err);
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatchObject({ operation: 'publish', subject: '$KV.weft-config.x' });
    now = 60_000;
    v.note(err);
    expect(lines).toHaveLength(6);
    expect(lines[5]).toMatchObject({ suppressedBefore: 95 });
  });
});
