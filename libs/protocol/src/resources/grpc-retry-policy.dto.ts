// TrafficPolicy `grpcRetry`: the gRPC statuses a route's `retry` resends (Envoy's gRPC `retry_on`).
import { ArrayNotEmpty, IsArray, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

/** Envoy's names of the gRPC statuses it can retry on, and their codes. */
export const GRPC_RETRY_ON = {
  cancelled: 1,
  'deadline-exceeded': 4,
  'resource-exhausted': 8,
  internal: 13,
  unavailable: 14,
} as const;

export type GrpcRetryOn = keyof typeof GRPC_RETRY_ON;

const NAMES = Object.keys(GRPC_RETRY_ON);

export class GrpcRetryPolicy {
  /** A gRPC answer whose status is one of these, in its headers (trailers-only), is retried. */
  @IsArray()
  @ArrayNotEmpty()
  @IsIn(NAMES, { each: true, message: `retryOn entries must be one of ${NAMES.join(', ')}` })
  retryOn!: GrpcRetryOn[];

  /** The request body kept for resending (a gRPC request always has one); a larger one is not retried. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(16_777_216)
  bufferBytes?: number;
}
