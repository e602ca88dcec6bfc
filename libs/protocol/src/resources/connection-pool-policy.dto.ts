// TrafficPolicy `connectionPool`: Envoy's cluster circuit breakers / Istio's connectionPool limits.
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** Unset limits are unlimited (Istio's defaults); a request over a limit gets 503 at once. */
export class ConnectionPoolPolicy {
  /** Connections to each endpoint (HTTP/1.1: one request each at a time); the rest wait. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  maxConnections?: number;

  /** Requests of the whole Service waiting for a connection; one more is answered 503 `pending`. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  maxPendingRequests?: number;

  /** A connection is closed after this many requests (0 or unset: never). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  maxRequestsPerConnection?: number;

  /** Retries of the whole Service in progress at once; past it a retry is not made (`retries`). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  maxRetries?: number;
}
