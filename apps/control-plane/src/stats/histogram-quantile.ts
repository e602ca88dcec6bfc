// Quantiles from bucket counts, computed the way Prometheus `histogram_quantile` does.

/**
 * The `q`-quantile (0 < q ≤ 1) of observations counted per bucket: `counts[i]` observations fell in
 * `(bounds[i-1], bounds[i]]` (the first bucket starts at 0), and `counts[bounds.length]` above
 * the last bound. As in Prometheus (promql/quantile.go `bucketQuantile`): the bucket holding rank
 * `q × total` is found on cumulative counts and the value is interpolated linearly inside it; a
 * rank in the overflow bucket yields the last finite bound, since nothing bounds it above.
 * Undefined without observations.
 */
export function histogramQuantile(
  q: number,
  counts: readonly number[],
  bounds: readonly number[],
): number | undefined {
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (total === 0) return undefined;
  const rank = q * total;
  let below = 0;
  for (let b = 0; b < bounds.length; b++) {
    const cumulative = below + counts[b];
    if (cumulative >= rank) {
      // rank > 0, so the bucket found first holds at least one observation (no division by 0).
      const start = b === 0 ? 0 : bounds[b - 1];
      return start + (bounds[b] - start) * ((rank - below) / counts[b]);
    }
    below = cumulative;
  }
  return bounds[bounds.length - 1];
}
