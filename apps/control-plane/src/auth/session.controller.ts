// The dashboard's login (`/v1/session`): a token pasted once becomes a session cookie; who am I; logout.
import { Body, Controller, Delete, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AdminCallerInfo } from '@app/protocol';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import { Caller, type AdminCaller } from './admin-caller.js';
import { parseBody, LoginRequest } from './admin-auth-requests.dto.js';
import { AdminAuthenticator } from './admin-authenticator.service.js';
import { AdminSessions } from './admin-sessions.service.js';
import { clearedSessionCookie, sessionCookie, sessionIdOf } from './session-cookie.js';

@Controller('v1/session')
export class SessionController {
  constructor(
    private readonly env: ControlPlaneEnv,
    private readonly auth: AdminAuthenticator,
    private readonly sessions: AdminSessions,
  ) {}

  /** JSON `{token}` → a cookie for reads and the stream; 401 as any request with a bad token. */
  @Post()
  @HttpCode(200)
  login(@Body() body: unknown, @Res() res: Response): void {
    const { token } = parseBody(LoginRequest, body, 'login');
    const outcome = this.auth.byToken(token);
    if ('failure' in outcome) {
      res
        .status(401)
        .setHeader('www-authenticate', 'Bearer realm="weft", error="invalid_token"')
        .json({ error: 'unauthenticated', message: outcome.failure.message });
      return;
    }
    const { id, expiresAt } = this.sessions.open(outcome.caller);
    const { name, role } = outcome.caller;
    res
      .setHeader('set-cookie', sessionCookie(id, this.sessions.ttlMs, this.env.adminTls))
      .json({ name, role, credential: 'session', expiresAt: new Date(expiresAt).toISOString() });
  }

  /** The caller as the API sees it (`weft whoami`-like; the dashboard asks it to know if it is logged in). */
  @Get()
  whoAmI(@Caller() caller: AdminCaller): AdminCallerInfo {
    return { name: caller.name, role: caller.role, credential: caller.credential };
  }

  @Delete()
  @HttpCode(204)
  logout(@Req() req: Request, @Res() res: Response): void {
    const id = sessionIdOf(req.headers.cookie);
    if (id !== undefined) this.sessions.close(id);
    res.setHeader('set-cookie', clearedSessionCookie(this.env.adminTls)).end();
  }
}
