// Serves the dashboard (`GET /dashboard`): static files only, open to all (they hold no data); its
// data comes from `GET /v1/stream`, which needs a login.
import { readFile } from 'node:fs/promises';
import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DASHBOARD_ASSETS } from './dashboard-assets.js';

/**
 * Only this origin's own files and stream: the page runs no third-party code. No form submits
 * anywhere (the login is sent by script, so a token never lands in a URL) and no other site may
 * frame the page (clickjacking).
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'";

@Controller('dashboard')
export class DashboardController {
  @Get()
  page(@Res() res: Response): Promise<void> {
    return this.send('index.html', res);
  }

  @Get(':file')
  asset(@Param('file') file: string, @Res() res: Response): Promise<void> {
    return this.send(file, res);
  }

  /** Read per request (the files are small), so an edited file shows on reload. */
  private async send(file: string, res: Response): Promise<void> {
    const asset = Object.hasOwn(DASHBOARD_ASSETS, file) ? DASHBOARD_ASSETS[file] : undefined;
    if (asset === undefined) throw new NotFoundException(`no dashboard file ${file}`);
    const body = await readFile(asset.url);
    res
      .status(200)
      .set({
        'content-type': asset.contentType,
        'cache-control': 'no-cache',
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
      })
      .send(body);
  }
}
