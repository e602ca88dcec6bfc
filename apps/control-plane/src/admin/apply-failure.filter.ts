// Maps apply failures to HTTP: 422 with the bare `[{resource, path, message}]` list, or
// 503 when this replica lost the lease (nothing applied) or the config store did not confirm a write
// (not applied, unless the unconfirmed write was its marker and landed: sending it again is safe).
import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { ApplyRejected, ConfigStoreUnavailable } from '../config/config-errors.js';
import { NotLeader } from '../leader/leader-election.service.js';

@Catch(ApplyRejected, ConfigStoreUnavailable, NotLeader)
export class ApplyFailureFilter implements ExceptionFilter {
  catch(error: ApplyRejected | ConfigStoreUnavailable | NotLeader, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (error instanceof ApplyRejected) {
      res.status(422).json(error.errors);
      return;
    }
    if (error instanceof NotLeader) {
      res
        .status(503)
        .setHeader('retry-after', String(error.retryAfterSeconds))
        .json({
          error: 'no_leader',
          message: `${error.message}; nothing applied`,
          leader: error.leader,
        });
      return;
    }
    res.status(503).json({
      error: 'config_store_unavailable',
      message: `${error.message}; not applied, unless its last write landed unconfirmed: send it again (an apply already in place changes nothing)`,
    });
  }
}
