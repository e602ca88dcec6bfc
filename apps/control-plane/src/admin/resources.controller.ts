// Admin API for config: apply (all or nothing), list and delete resources.
import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  UseFilters,
} from '@nestjs/common';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import {
  DNS_LABEL,
  DNS_LABEL_MESSAGE,
  keyOf,
  RESOURCE_KINDS,
  resourceKey,
  type DiffResult,
  type ResourceList,
} from '@app/protocol';
import { ApplyService } from '../apply/apply.service.js';
import { Caller, type AdminCaller } from '../auth/admin-caller.js';
import { ApplyFailureFilter } from './apply-failure.filter.js';
import type { ApplyResult } from '@app/protocol';
import { ConfigStore } from '../config/config-store.service.js';
import { RouteStatusService } from '../status/route-status.service.js';

const KIND = new RegExp(`^(${RESOURCE_KINDS.join('|')})$`, 'i');

export class ResourcePath {
  @Matches(KIND, { message: `kind must be one of ${RESOURCE_KINDS.join(', ')}` })
  kind!: string;

  @Matches(DNS_LABEL, { message: `namespace ${DNS_LABEL_MESSAGE}` })
  namespace!: string;

  @Matches(DNS_LABEL, { message: `name ${DNS_LABEL_MESSAGE}` })
  name!: string;
}

export class ResourceQuery {
  @IsOptional()
  @IsString()
  @Matches(KIND, { message: `kind must be one of ${RESOURCE_KINDS.join(', ')}` })
  kind?: string;
}

export class ApplyQuery {
  @IsOptional()
  @IsIn(['true', 'false'])
  dryRun?: string;
}

@Controller('v1')
@UseFilters(ApplyFailureFilter)
export class ResourcesController {
  constructor(
    private readonly apply: ApplyService,
    private readonly store: ConfigStore,
    private readonly statuses: RouteStatusService,
  ) {}

  /**
   * Body: multi-document YAML or JSON; the history records the authenticated caller as its author. 422 with `[{resource, path, message}]`; nothing applied
   * then. With `?dryRun=true`, answers what would change (each resource before and after) instead.
   */
  @Post('apply')
  @HttpCode(200)
  async applyManifests(
    @Body() body: unknown,
    @Query() query: ApplyQuery,
    @Caller() caller: AdminCaller,
    @Headers('x-weft-source') sentBy?: string,
  ): Promise<ApplyResult | DiffResult> {
    const text = typeof body === 'string' ? body : '';
    const req = {
      source: sentBy === 'cli' ? ('cli' as const) : ('api' as const),
      origin: 'request body',
      author: caller.name,
    };
    return query.dryRun === 'true'
      ? this.apply.previewText(text, req)
      : this.apply.applyText(text, req);
  }

  /** Resources as applied; each HTTPRoute and TrafficPolicy with its computed status (in memory only). */
  @Get('resources')
  list(@Query() query: ResourceQuery): ResourceList {
    const items = this.store
      .resources(query.kind)
      .map((r) =>
        r.kind === 'HTTPRoute'
          ? { ...r, status: this.statuses.statusOf(keyOf(r)) }
          : r.kind === 'TrafficPolicy'
            ? { ...r, status: this.statuses.policyStatusOf(keyOf(r)) }
            : r,
      );
    return { revision: this.store.currentRevision, items };
  }

  @Delete('resources/:kind/:namespace/:name')
  async remove(@Param() p: ResourcePath, @Caller() caller: AdminCaller): Promise<ApplyResult> {
    const kind = RESOURCE_KINDS.find((k) => k.toLowerCase() === p.kind.toLowerCase())!;
    const result = await this.store.remove(resourceKey(kind, p.namespace, p.name), caller.name);
    if (!result) throw new NotFoundException(`${kind}/${p.namespace}/${p.name} not found`);
    return result;
  }
}
