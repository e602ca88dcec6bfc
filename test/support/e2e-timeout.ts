// e2e tests start processes and wait on real timers: give each test a minute (jest's default is 5 s).
import { jest } from '@jest/globals';

jest.setTimeout(60_000);
