// Who may use the admin API: tokens (kept hashed in KV), client certificates, dashboard sessions,
// and the middleware that checks every request before any controller (or the leader forwarding).
import { Module } from '@nestjs/common';
import { AdminAccessMiddleware } from './admin-access.middleware.js';
import { AdminAuthenticator } from './admin-authenticator.service.js';
import { AdminSessions } from './admin-sessions.service.js';
import { AdminTokenStore } from './admin-token-store.service.js';
import { AdminTokensController } from './admin-tokens.controller.js';
import { SessionController } from './session.controller.js';

@Module({
  providers: [AdminTokenStore, AdminSessions, AdminAuthenticator, AdminAccessMiddleware],
  controllers: [SessionController, AdminTokensController],
  exports: [AdminAccessMiddleware, AdminAuthenticator],
})
export class AuthModule {}
