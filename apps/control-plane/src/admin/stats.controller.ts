// Admin API: the mesh's golden signals over the stats window (`GET /v1/stats`).
import { Controller, Get } from '@nestjs/common';
import type { MeshStats } from '@app/protocol';
import { MeshStatsService } from '../stats/mesh-stats.service.js';

@Controller('v1')
export class StatsController {
  constructor(private readonly stats: MeshStatsService) {}

  @Get('stats')
  meshStats(): MeshStats {
    return this.stats.current();
  }
}
