// NATS handler (Nest microservices): control-plane events (`weft.v1.events.>`) into the live stream.
import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, NatsContext, Payload } from '@nestjs/microservices';
import { decodeJson, formatErrors } from '@app/protocol';
import { LOGGER, reportInvalid, type Logger } from '@app/runtime';
import { bootSubjects } from '../nats/boot-subjects.js';
import { MeshStream } from './mesh-stream.service.js';

/**
 * Followed on the bus rather than taken from the services that publish them, so the stream also
 * shows what other control-plane replicas announce, and exactly what `weft events` shows.
 */
@Controller()
export class ControlPlaneEventsController {
  constructor(
    private readonly stream: MeshStream,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  @EventPattern<string>(bootSubjects().eventsAll)
  onEvent(@Payload() data: Uint8Array, @Ctx() ctx: NatsContext): void {
    const subject = ctx.getSubject();
    const body = decodeJson(data, subject);
    if (!body.ok) return reportInvalid(this.log, 'event', subject, formatErrors(body.errors));
    const value = body.value;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return reportInvalid(this.log, 'event', subject, 'not a JSON object');
    }
    const name = subject.slice(bootSubjects().event('').length);
    // Instance health and ACKs are in the proxy table already; as events, an apply to a large mesh
    // would push every config event out of the recent ones.
    if (name.startsWith('instance.') || name.startsWith('proxy.')) return;
    this.stream.onEvent({
      name,
      at: new Date().toISOString(),
      data: value as Record<string, unknown>,
    });
  }
}
