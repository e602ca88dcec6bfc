// Answers a rejected apply with 422 and the bare `[{resource, path, message}]` list (DESIGN.md).
import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { ApplyRejected } from '../config/apply.service.js';

@Catch(ApplyRejected)
export class ApplyRejectedFilter implements ExceptionFilter {
  catch(error: ApplyRejected, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<Response>().status(422).json(error.errors);
  }
}
