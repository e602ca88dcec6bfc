// e2e tests start processes and wait on real timers: two minutes a test (jest's default is 5 s),
// a bound that only catches a hang, even on two cores that other work keeps busy.
import { jest } from '@jest/globals';

jest.setTimeout(120_000);
