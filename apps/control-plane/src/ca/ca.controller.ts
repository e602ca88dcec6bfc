// Admin API of the mesh CA: its roots and the rotation's progress, and starting a root rotation.
import { Controller, Get, HttpCode, HttpException, Post, UseFilters } from '@nestjs/common';
import type { CaStatus } from '@app/protocol';
import { ApplyFailureFilter } from '../admin/apply-failure.filter.js';
import { RootRotation, RotationRefused } from './root-rotation.service.js';

@Controller('v1/ca')
@UseFilters(ApplyFailureFilter)
export class CaController {
  constructor(private readonly rotation: RootRotation) {}

  /** The trust bundle, which root signs, the rotation phase and which proxies it waits for. */
  @Get()
  status(): CaStatus {
    return this.rotation.status();
  }

  /** Starts a root rotation; it then runs on its own (`GET /v1/ca` shows how far it got). */
  @Post('rotate')
  @HttpCode(202)
  async rotate(): Promise<CaStatus> {
    try {
      return await this.rotation.rotate();
    } catch (err) {
      if (err instanceof RotationRefused)
        throw new HttpException({ message: err.message }, err.status);
      throw err;
    }
  }
}
