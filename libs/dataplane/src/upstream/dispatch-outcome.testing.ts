// For specs: one request dispatched as the upstream exchange does it, its whole outcome collected.
import type { Dispatcher } from 'undici';

export interface Outcome {
  status: number;
  headers: Record<string, unknown>;
  body: string;
  trailers?: Record<string, unknown>;
  /** The error's code (as undici names it) or message, when the request failed. */
  error?: string;
}

/** A GET / with `host: grid` unless `options` says otherwise; resolves on the end or the error. */
export function dispatchOutcome(
  dispatcher: Pick<Dispatcher, 'dispatch'>,
  options: Partial<Dispatcher.DispatchOptions> = {},
  onStart?: (controller: Dispatcher.DispatchController) => void,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const out: Outcome = { status: 0, headers: {}, body: '' };
    dispatcher.dispatch(
      { path: '/', method: 'GET', headers: ['host', 'grid'], ...options },
      {
        onRequestStart: (controller) => onStart?.(controller),
        onResponseStart: (_c, status, headers) => Object.assign(out, { status, headers }),
        onResponseData: (_c, chunk) => (out.body += chunk.toString()),
        onResponseEnd: (_c, trailers) => resolve({ ...out, trailers: { ...trailers } }),
        onResponseError: (_c, error) =>
          resolve({ ...out, error: (error as NodeJS.ErrnoException).code ?? error.message }),
      },
    );
  });
}
