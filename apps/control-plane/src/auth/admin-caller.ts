// The authenticated caller of one admin API request, as the access middleware found it.
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { AdminCallerInfo, AdminRole } from '@app/protocol';

export interface AdminCaller extends AdminCallerInfo {
  /** The hash of the token it came with (a session's too): checked again while it lasts. */
  readonly tokenHash?: string;
}

const CALLER = Symbol('weft.admin-caller');
type WithCaller = Request & { [CALLER]?: AdminCaller };

export function setCaller(req: Request, caller: AdminCaller): void {
  (req as WithCaller)[CALLER] = caller;
}

/** Undefined only on the open paths (health, metrics, the dashboard's files, the login). */
export function callerOf(req: Request): AdminCaller | undefined {
  return (req as WithCaller)[CALLER];
}

/** `@Caller() caller: AdminCaller` in a handler of an authenticated route. */
export const Caller = createParamDecorator((_: unknown, ctx: ExecutionContext): AdminCaller => {
  const caller = callerOf(ctx.switchToHttp().getRequest<Request>());
  // The access middleware runs before every handler; without a caller, something is mis-wired.
  if (caller === undefined)
    throw new Error('admin API handler reached without an authenticated caller');
  return caller;
});

/** Whether `role` allows what `needed` names: admin includes read. */
export function allows(role: AdminRole, needed: AdminRole): boolean {
  return role === 'admin' || needed === 'read';
}
