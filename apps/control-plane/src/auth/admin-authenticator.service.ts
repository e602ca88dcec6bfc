// Finds who sends an admin API request: a bearer token, a client certificate, or a dashboard session.
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Request } from 'express';
import type { AdminRole } from '@app/protocol';
import { LOGGER, type Logger } from '@app/runtime';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import type { AdminCaller } from './admin-caller.js';
import { AdminSessions } from './admin-sessions.service.js';
import { bearerToken, tokenHash } from './admin-token.js';
import { loadOrCreateTokenFile } from './admin-token-file.js';
import { AdminTokenStore, FIRST_TOKEN_NAME } from './admin-token-store.service.js';
import { clientCertificateOf } from './client-certificate.js';
import { parseClientRoles } from './client-certificate-roles.js';
import { sessionIdOf } from './session-cookie.js';

/** Why a request is not let in: 401 (no valid credential) or 403 (a credential without a role). */
export interface AuthFailure {
  readonly status: 401 | 403;
  readonly error: string;
  readonly message: string;
}

export type AuthOutcome = { readonly caller: AdminCaller } | { readonly failure: AuthFailure };

const unauthenticated = (message: string): { failure: AuthFailure } => ({
  failure: { status: 401, error: 'unauthenticated', message },
});

const NO_CREDENTIALS =
  'this needs a credential: Authorization: Bearer <token> (weft: --token, WEFT_TOKEN or a context in its config)';

@Injectable()
export class AdminAuthenticator implements OnModuleInit {
  /** The hash of WEFT_ADMIN_TOKEN_FILE's token, once read. */
  private fileTokenHash: string | undefined;
  private readonly clientRoles: ReadonlyMap<string, AdminRole>;

  constructor(
    private readonly env: ControlPlaneEnv,
    private readonly tokens: AdminTokenStore,
    private readonly sessions: AdminSessions,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.clientRoles = parseClientRoles(env.WEFT_ADMIN_TLS_CLIENT_ROLES);
  }

  /** Before the port listens: a request never finds the token file unread. */
  async onModuleInit(): Promise<void> {
    if (this.env.WEFT_ADMIN_AUTH === 'off') {
      this.log.warn(
        { setting: 'WEFT_ADMIN_AUTH=off', bind: this.env.WEFT_BIND_ADDRESS },
        'ADMIN API AUTHENTICATION IS OFF: anyone who reaches the admin port is an admin (local development only)',
      );
    }
    const path = this.env.WEFT_ADMIN_TOKEN_FILE;
    if (path === undefined) return;
    const file = await loadOrCreateTokenFile(path);
    this.fileTokenHash = tokenHash(file.token);
    if (file.created) this.log.info({ file: path }, 'made an admin token and wrote it to the file');
    if (file.readableByOthers) {
      this.log.warn({ file: path }, 'the admin token file is readable by others than its owner');
    }
  }

  /** The caller of `req`, or why it is refused. */
  authenticate(req: Request): AuthOutcome {
    if (this.env.WEFT_ADMIN_AUTH === 'off') {
      return { caller: { name: 'anonymous', role: 'admin', credential: 'auth-off' } };
    }
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      const token = bearerToken(authorization);
      if (token === undefined) return unauthenticated('Authorization must be `Bearer <token>`');
      return this.byToken(token);
    }
    const cert = clientCertificateOf(req.socket);
    if (cert !== undefined) return this.byCertificate(cert);
    // A session cookie is a browser's ambient credential: it reads, it never writes.
    const sessionId = sessionIdOf(req.headers.cookie);
    if (sessionId !== undefined && (req.method === 'GET' || req.method === 'HEAD')) {
      return this.bySession(sessionId);
    }
    if (sessionId !== undefined) {
      return unauthenticated(
        'a dashboard session only reads; writes need Authorization: Bearer <token>',
      );
    }
    return unauthenticated(NO_CREDENTIALS);
  }

  /** The caller a token names (the login checks a pasted token this way). */
  byToken(token: string): AuthOutcome {
    const hash = tokenHash(token);
    if (hash === this.fileTokenHash) {
      return {
        caller: { name: FIRST_TOKEN_NAME, role: 'admin', credential: 'token', tokenHash: hash },
      };
    }
    const record = this.tokens.find(hash);
    if (record === undefined) {
      return unauthenticated('the token is not valid: revoked, mistyped, or of another mesh');
    }
    return {
      caller: { name: record.name, role: record.role, credential: 'token', tokenHash: hash },
    };
  }

  private byCertificate(cert: NonNullable<ReturnType<typeof clientCertificateOf>>): AuthOutcome {
    if (!cert.verified) return unauthenticated(cert.reason);
    const role = this.clientRoles.get(cert.spiffeId);
    if (role === undefined) {
      return {
        failure: {
          status: 403,
          error: 'forbidden',
          message: `${cert.spiffeId} has no admin API role (WEFT_ADMIN_TLS_CLIENT_ROLES)`,
        },
      };
    }
    return { caller: { name: cert.spiffeId, role, credential: 'certificate' } };
  }

  /** A session lives while its token does: revoking the token ends the dashboard's session too. */
  private bySession(id: string): AuthOutcome {
    const caller = this.sessions.find(id);
    if (caller === undefined) return unauthenticated('the session has ended: log in again');
    const hash = caller.tokenHash;
    if (hash !== undefined && hash !== this.fileTokenHash && this.tokens.find(hash) === undefined) {
      this.sessions.close(id);
      return unauthenticated('the token of this session was revoked');
    }
    return { caller };
  }
}
