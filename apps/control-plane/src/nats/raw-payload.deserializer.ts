// Hands handlers the raw bytes of every NATS message, so garbage is judged (and counted) by our parsers.
import type { ConsumerDeserializer, IncomingEvent } from '@nestjs/microservices';

interface NatsLike {
  readonly data: Uint8Array;
}

/**
 * Nest's default JSON deserializer throws on non-JSON and treats payloads with `id` or `pattern`
 * keys as its own packets; every message here is an event for the subscribed pattern instead.
 */
export class RawPayloadDeserializer implements ConsumerDeserializer {
  deserialize(value: NatsLike, options?: Record<string, unknown>): IncomingEvent {
    return { pattern: options?.channel as string, data: value.data };
  }
}
