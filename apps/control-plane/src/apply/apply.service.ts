// The one validation-and-apply path every source (admin API, config folder, CLI) goes through.
import { Inject, Injectable } from '@nestjs/common';
import {
  encode,
  parsingManifests,
  validatingBatch,
  type ApplyResult,
  type ConfigSource,
  type DiffResult,
  type Resource,
} from '@app/protocol';
import { SpanStatusCode } from '@opentelemetry/api';
import { eventCounter, LOGGER, NatsClient, Tracing, type Logger } from '@app/runtime';
import { ApplyRejected } from '../config/config-errors.js';
import { ConfigStore } from '../config/config-store.service.js';
import { inSlices } from '../config/in-slices.js';
import { bootSubjects } from '../nats/boot-subjects.js';
import { RouteStatusService } from '../status/route-status.service.js';

export interface ApplyRequest {
  readonly source: ConfigSource;
  /** Where the text came from (a folder, "request body"), named in parse errors. */
  readonly origin: string;
  /** Who applied it, recorded with the revision. */
  readonly author: string;
  /** Delete resources this source wrote before and no longer lists. */
  readonly prune?: boolean;
}

/** Prometheus: `weft_config_applies_total{source, result}`; rejections are `result="rejected"`. */
const applies = eventCounter(
  'weft.config.applies',
  'Apply requests by source and outcome',
  '{apply}',
);

@Injectable()
export class ApplyService {
  constructor(
    private readonly store: ConfigStore,
    private readonly statuses: RouteStatusService,
    private readonly nats: NatsClient,
    private readonly tracing: Tracing,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  /**
   * Parses, validates the whole batch, then stores all of it or nothing. Throws ApplyRejected.
   * References that do not resolve are no rejection (Gateway API accepts such a route): each
   * HTTPRoute's result carries the conditions of its status that need reading instead.
   */
  applyText(text: string, req: ApplyRequest): Promise<ApplyResult> {
    return this.tracing.tracer.startActiveSpan('weft.apply', async (span) => {
      span.setAttributes({ 'weft.source': req.source, 'weft.author': req.author });
      try {
        const result = await this.validateAndStore(text, req);
        span.setAttribute('weft.revision', result.revision);
        return result;
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    });
  }

  /** What `applyText` would change, without changing it. Throws ApplyRejected like it. */
  async previewText(text: string, req: ApplyRequest): Promise<DiffResult> {
    return this.store.preview(await this.validate(text, req), req.source, req.prune ?? false);
  }

  private async validateAndStore(text: string, req: ApplyRequest): Promise<ApplyResult> {
    const batch = await this.validate(text, req);
    const stored = await this.store.apply(batch, req.source, req.prune ?? false, req.author);
    const result = this.statuses.annotate(stored);
    applies.inc({ source: req.source, result: 'applied' });
    this.publishEvent('applied', { ...req, ...result });
    return result;
  }

  /**
   * The whole batch parsed and validated, or ApplyRejected naming every error. Both run in slices:
   * parsing and validating 10,000 resources takes seconds, and the lease must be renewed meanwhile.
   */
  private async validate(text: string, req: ApplyRequest): Promise<Resource[]> {
    const raw = await inSlices(parsingManifests(text, req.origin));
    const batch = raw.ok ? await inSlices(validatingBatch(raw.value)) : raw;
    if (batch.ok) return batch.value;
    applies.inc({ source: req.source, result: 'rejected' });
    this.log.warn({ ...req, errors: batch.errors }, 'apply rejected');
    this.publishEvent('rejected', { ...req, errors: batch.errors });
    throw new ApplyRejected(batch.errors);
  }

  private publishEvent(name: string, body: object): void {
    this.nats.current?.publish(bootSubjects().event(`config.${name}`), encode(body));
  }
}
