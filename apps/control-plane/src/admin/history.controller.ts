// Admin API for revisions: history, one revision in full, and rollback to one (as a new revision).
import {
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseIntPipe,
  Post,
  UseFilters,
} from '@nestjs/common';
import type { ApplyResult, HistoryEntry, HistorySummary } from '@app/protocol';
import { Caller, type AdminCaller } from '../auth/admin-caller.js';
import { ConfigStore } from '../config/config-store.service.js';
import { HistoryStore } from '../config/history-store.service.js';
import { RouteStatusService } from '../status/route-status.service.js';
import { ApplyFailureFilter } from './apply-failure.filter.js';

@Controller('v1')
@UseFilters(ApplyFailureFilter)
export class HistoryController {
  constructor(
    private readonly history: HistoryStore,
    private readonly store: ConfigStore,
    private readonly statuses: RouteStatusService,
  ) {}

  /** Newest first: revision, source, author, time and the changes of each apply. */
  @Get('history')
  async list(): Promise<{ revision: number; items: HistorySummary[] }> {
    return { revision: this.store.currentRevision, items: await this.history.list() };
  }

  @Get('history/:revision')
  async get(@Param('revision', ParseIntPipe) revision: number): Promise<HistoryEntry> {
    const entry = await this.history.get(revision);
    if (!entry) throw new NotFoundException(`revision ${revision} is not in the history`);
    return entry;
  }

  @Post('rollback/:revision')
  @HttpCode(200)
  async rollback(
    @Param('revision', ParseIntPipe) revision: number,
    @Caller() caller: AdminCaller,
  ): Promise<ApplyResult> {
    const result = await this.store.rollback(revision, caller.name);
    if (!result) throw new NotFoundException(`revision ${revision} is not in the history`);
    return this.statuses.annotate(result);
  }
}
