// Jest reporter: each e2e test on one line as it finishes (✓/✗, its name, how long it took), and
// each e2e file as it starts, so a long suite is never silent until a file ends.
import { relative } from 'node:path';
import type { Reporter, Test, TestCaseResult } from '@jest/reporters';

const MARKS: Record<TestCaseResult['status'], string> = {
  passed: '✓',
  failed: '✗',
  skipped: '○',
  pending: '○',
  todo: '○',
  disabled: '○',
  focused: '✓',
};

export default class ProgressReporter implements Reporter {
  onTestFileStart(test: Test): void {
    if (isE2e(test)) say(`▶ ${relative(test.context.config.rootDir, test.path)}`);
  }

  onTestCaseResult(test: Test, result: TestCaseResult): void {
    if (!isE2e(test)) return;
    const name = [...result.ancestorTitles, result.title].join(' › ');
    const took = result.duration == null ? '' : ` (${(result.duration / 1000).toFixed(1)} s)`;
    say(`  ${MARKS[result.status]} ${name}${took}`);
  }
}

/** Unit tests take milliseconds each: jest's own per-file lines are progress enough for them. */
function isE2e(test: Test): boolean {
  return test.context.config.displayName?.name === 'e2e';
}

function say(line: string): void {
  process.stderr.write(`[e2e] ${line}\n`);
}
