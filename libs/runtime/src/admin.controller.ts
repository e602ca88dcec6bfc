// `/healthz`, `/readyz` and `/metrics` on every component's admin port.
import { Controller, Get, Header, HttpCode, Res } from '@nestjs/common';
import type { Response } from 'express';
import { processMetrics, PROMETHEUS_CONTENT_TYPE } from './process-metrics.js';
import { Readiness } from './readiness.js';

@Controller()
export class AdminController {
  constructor(private readonly readiness: Readiness) {}

  @Get('healthz')
  @HttpCode(200)
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  readyz(@Res() res: Response): void {
    const ready = this.readiness.ready;
    res.status(ready ? 200 : 503).json({ ready, conditions: this.readiness.snapshot() });
  }

  @Get('metrics')
  @Header('content-type', PROMETHEUS_CONTENT_TYPE)
  metrics(): Promise<string> {
    return processMetrics.render();
  }
}
