// Saturation load with wrk (one thread, N keep-alive connections), pinned to the load core.
import { runPinned } from './processes.mjs';
import { HOST } from './net.mjs';

/**
 * Runs `wrk -t1 -c<connections> -d<seconds>` against 127.0.0.1:<port>/ (with `Host: <host>` when
 * given) on `core`. Returns `{requests, rps, errors}`; errors counts non-2xx/3xx
 * responses, socket errors and timeouts.
 */
export async function runWrk({ core, wrkPath, port, host, connections, seconds }) {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`];
  if (host) args.push('-H', `Host: ${host}`);
  args.push(`http://${HOST}:${port}/`);
  const out = await runPinned(core, wrkPath, args);
  const requests = /(\d+) requests in /.exec(out)?.[1];
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1];
  if (!requests || !rps) throw new Error(`unexpected wrk output:\n${out}`);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return { requests: Number(requests), rps: Number(rps), errors: non2xx + socketErrors };
}
