// Dashboard logins: a token pasted once becomes a session cookie, kept in this replica's memory.
import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import type { AdminCaller } from './admin-caller.js';

/** Sessions one replica keeps; past it, the oldest gives way (each is a logged-in browser tab or so). */
export const MAX_SESSIONS = 10_000;

interface Session {
  readonly caller: AdminCaller;
  readonly expiresAt: number;
}

/**
 * Server-side sessions: the cookie holds only a random id, so logging out, a revoked token and the
 * expiry all end it here. Per replica: a dashboard talks to the replica it was loaded from.
 */
@Injectable()
export class AdminSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly env: ControlPlaneEnv) {}

  get ttlMs(): number {
    return this.env.WEFT_ADMIN_SESSION_TTL_MS;
  }

  /** A new session for `caller`: its id (the cookie's value) and when it ends. */
  open(caller: AdminCaller, now = Date.now()): { id: string; expiresAt: number } {
    this.sweep(now);
    if (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    const id = randomBytes(32).toString('base64url');
    const expiresAt = now + this.ttlMs;
    this.sessions.set(id, { caller: { ...caller, credential: 'session' }, expiresAt });
    return { id, expiresAt };
  }

  /** The caller of a live session. */
  find(id: string, now = Date.now()): AdminCaller | undefined {
    const session = this.sessions.get(id);
    if (session === undefined) return undefined;
    if (session.expiresAt > now) return session.caller;
    this.sessions.delete(id);
    return undefined;
  }

  close(id: string): void {
    this.sessions.delete(id);
  }

  /** Drops expired sessions; sessions are in the order they were opened, all with one TTL. */
  private sweep(now: number): void {
    for (const [id, session] of this.sessions) {
      if (session.expiresAt > now) break;
      this.sessions.delete(id);
    }
  }
}
