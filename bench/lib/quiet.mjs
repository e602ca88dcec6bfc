// Waits, before a measurement, until the machine's other work has calmed down: on a shared machine
// anything else running on the two cores skews rps, CPU per request and latency alike.
import { setTimeout as sleep } from 'node:timers/promises';
import { coreBusySeconds } from './procfs.mjs';

const SAMPLE_MS = 1_000;
/** Busy share of all cores together (0..1) below which the machine counts as quiet. */
const QUIET_SHARE = 0.1;

/** Busy share of all cores over one sample. */
async function busyShare() {
  const before = coreBusySeconds();
  await sleep(SAMPLE_MS);
  const after = coreBusySeconds();
  const busy = after.reduce((sum, seconds, core) => sum + seconds - before[core], 0);
  return busy / (after.length * (SAMPLE_MS / 1000));
}

/**
 * Resolves once a one-second sample shows the cores quiet, or after `maxSeconds`; resolves to the
 * last busy share seen (0..1), so that a row measured on a busy machine can say so.
 */
export async function waitForQuiet(maxSeconds, log) {
  const deadline = Date.now() + maxSeconds * 1000;
  let share = await busyShare();
  if (share >= QUIET_SHARE)
    log(`machine busy (${Math.round(share * 100)}% CPU): waiting up to ${maxSeconds} s…`);
  while (share >= QUIET_SHARE && Date.now() < deadline) share = await busyShare();
  return share;
}
