// Every admin API request passes here first: CSRF defences on writes, then who calls, then may they.
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { TLSSocket } from 'node:tls';
import { LOGGER, type Logger } from '@app/runtime';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import { accessFor, requestTarget } from './access-policy.js';
import { allows, setCaller } from './admin-caller.js';
import { AdminAuthenticator } from './admin-authenticator.service.js';
import { refuse } from './admin-refusal.js';
import { crossOriginWrite } from './cross-origin-write.js';
import { rebindingHost } from './dns-rebinding.js';
import { unsupportedWriteType } from './write-content-type.js';

/**
 * Applied ahead of the leader forwarding: a follower refuses what the leader would refuse before
 * forwarding anything, and forwards the Authorization header, which the leader checks again.
 * Credentials are never taken from the query string.
 */
@Injectable()
export class AdminAccessMiddleware implements NestMiddleware {
  constructor(
    private readonly env: ControlPlaneEnv,
    private readonly auth: AdminAuthenticator,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const { path, query } = requestTarget(req.originalUrl);
    const access = accessFor(req.method, path, query);
    if (access === 'open') return next();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const crossOrigin = crossOriginWrite(req.headers, this.ownOrigin(req));
      if (crossOrigin !== undefined) return refuse(this.log, req, res, 'cross_origin', crossOrigin);
      const badType = unsupportedWriteType(req.method, req.headers);
      if (badType !== undefined)
        return refuse(this.log, req, res, 'unsupported_media_type', badType);
    }
    if (this.env.WEFT_ADMIN_AUTH === 'off') {
      const rebound = rebindingHost(req.headers.host);
      if (rebound !== undefined) return refuse(this.log, req, res, 'dns_rebinding', rebound);
    }
    if (access === 'session') return next();
    const outcome = this.auth.authenticate(req);
    if ('failure' in outcome) {
      const { status, message } = outcome.failure;
      return refuse(this.log, req, res, status === 401 ? 'unauthenticated' : 'forbidden', message);
    }
    const { caller } = outcome;
    if (access !== 'caller' && !allows(caller.role, access)) {
      return refuse(
        this.log,
        req,
        res,
        'forbidden',
        `${caller.name} has the role ${caller.role}; ${req.method} ${path} needs ${access}`,
      );
    }
    setCaller(req, caller);
    next();
  }

  /** This API's origin as the browser addressed it: a write from any other is cross-origin. */
  private ownOrigin(req: Request): string | undefined {
    const host = req.headers.host;
    if (host === undefined) return undefined;
    return `${req.socket instanceof TLSSocket ? 'https' : 'http'}://${host}`;
  }
}
