// Open-loop load at a fixed request rate (undici pool, paced on a 1 ms timer), recording every
// request's latency: unlike a closed loop, a slow response does not delay the next request.
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { HOST } from './net.mjs';

const TICK_MS = 1;
const POOL_CONNECTIONS = 32;
const WARMUP_SECONDS = 1;
const DRAIN_GRACE_MS = 10_000;

/** Value at quantile `q` (0..1) of an ascending array, nearest rank. */
export function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * Sends `rate` GET / per second to 127.0.0.1:<port> (each 1 ms tick sends the requests that are
 * due), `Host: <host>` when given: first for `WARMUP_SECONDS` unrecorded, so that connections are
 * open and this generator's own code is compiled, then for `seconds`. Latency is measured from
 * handing the request to the pool to the end of the response body. Resolves to `{requests,
 * errors, rps, p50, p90, p99, max}` for the recorded part, latencies in microseconds, and
 * `settled`: every request answered or failed by the end, the unrecorded ones included. With
 * `timeline`, also `sentAt` and `latency`: each answered recorded request's send time (epoch ms)
 * and latency (µs), in send order of their answers.
 */
export async function runPaced({ port, host, rate, seconds, timeline = false }) {
  const pool = new Pool(`http://${HOST}:${port}`, { connections: POOL_CONNECTIONS });
  const options = { path: '/', method: 'GET', headers: host ? { host } : {} };
  const unrecorded = Math.round(rate * WARMUP_SECONDS);
  const recorded = Math.round(rate * seconds);
  const total = unrecorded + recorded;
  const latencies = new Float64Array(recorded);
  const sentAt = timeline ? new Float64Array(recorded) : undefined;
  let sent = 0;
  let settled = 0;
  let ok = 0;
  let finished;
  const allDone = new Promise((resolve) => (finished = resolve));
  const settle = () => ++settled === total && finished();

  const send = () => {
    const record = sent++ >= unrecorded;
    const startedAt = performance.now();
    pool
      .request(options)
      .then(async ({ statusCode, body }) => {
        await body.dump();
        if (!record || statusCode !== 200) return;
        if (sentAt) sentAt[ok] = performance.timeOrigin + startedAt;
        latencies[ok++] = (performance.now() - startedAt) * 1000;
      })
      // A failed request is counted by its absence from `latencies`.
      .catch(() => {})
      .finally(settle);
  };

  const start = performance.now();
  let recordingSince;
  const ticker = setInterval(() => {
    const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000));
    while (sent < due) send();
    if (sent > unrecorded) recordingSince ??= performance.now();
    if (sent === total) clearInterval(ticker);
  }, TICK_MS);

  const timeout = new Promise((resolve) =>
    setTimeout(resolve, (WARMUP_SECONDS + seconds) * 1000 + DRAIN_GRACE_MS),
  );
  await Promise.race([allDone, timeout]);
  clearInterval(ticker);
  const elapsed = (performance.now() - recordingSince) / 1000;
  await pool.destroy();

  const answered = latencies.subarray(0, ok);
  const series = sentAt && { sentAt: sentAt.subarray(0, ok), latency: answered.slice() };
  const sorted = answered.sort();
  return {
    ...series,
    settled,
    requests: ok,
    errors: recorded - ok, // error responses, failures and requests unanswered in time
    rps: ok / elapsed,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    max: sorted[ok - 1],
  };
}
