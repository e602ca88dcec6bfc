// Admin API: the live mesh as Server-Sent Events (`GET /v1/stream`), for the dashboard and scripts.
import { Controller, Sse, type MessageEvent } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { MeshStream } from '../stream/mesh-stream.service.js';

@Controller('v1')
export class StreamController {
  constructor(private readonly stream: MeshStream) {}

  /** Nest unsubscribes when the client goes away, which stops everything its stream holds. */
  @Sse('stream')
  follow(): Observable<MessageEvent> {
    return this.stream.follow();
  }
}
