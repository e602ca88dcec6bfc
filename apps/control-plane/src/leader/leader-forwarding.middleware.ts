// On a follower, writes (apply, delete, rollback) go to the leader's admin API and its answer comes back.
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Agent, request } from 'undici';
import { LOGGER, type Logger } from '@app/runtime';
import { callerOf } from '../auth/admin-caller.js';
import { LeaderElection } from './leader-election.service.js';

/** Marks a forwarded request, so a replica that is not the leader either never forwards it again. */
export const FORWARDED_BY = 'x-weft-forwarded-by';
/** Names the leader that took (or should take) a write. */
export const LEADER_HEADER = 'x-weft-leader';

/**
 * Request headers that carry meaning to the apply path; the rest stay on this hop. The caller's
 * Authorization goes along: the leader authenticates it again and records that caller, so a
 * follower never vouches for anyone.
 */
const PASSED_ON = ['authorization', 'content-type', 'accept', 'x-weft-source'];
/** A leader that does not answer within this long is treated as gone. */
const ANSWER_TIMEOUT_MS = 30_000;
/** Errors that mean the write never reached the leader. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Forwarding keeps one admin URL usable for everything, whichever replica it reaches. When no
 * leader is known, or the one in the lease does not answer (it just died), the answer is 503
 * `{error: "no_leader"}` with `Retry-After`, and a new leader is at most a lease TTL away. Nothing
 * was applied when the write never reached the leader; a leader that died after receiving it may
 * have committed it, and the message says so (an apply sent again changes nothing then). A dry run
 * is a read and is answered here.
 */
@Injectable()
export class LeaderForwardingMiddleware implements NestMiddleware {
  private readonly agent = new Agent({
    connect: { timeout: 2_000 },
    headersTimeout: ANSWER_TIMEOUT_MS,
    bodyTimeout: ANSWER_TIMEOUT_MS,
  });

  constructor(
    private readonly election: LeaderElection,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  use(req: Request, res: Response, next: NextFunction): void {
    if (this.election.isLeader || req.query.dryRun === 'true') return next();
    void this.forward(req, res);
  }

  private async forward(req: Request, res: Response): Promise<void> {
    const leader = this.election.leader;
    if (!leader || leader.holder === this.election.self || req.headers[FORWARDED_BY]) {
      return this.noLeader(res, 'no control plane holds the leader lease right now');
    }
    // A client certificate ends at this replica's TLS: the leader could not check it.
    if (callerOf(req)?.credential === 'certificate') {
      res
        .status(421)
        .setHeader(LEADER_HEADER, leader.holder)
        .json({
          error: 'not_leader',
          message: `writes authenticated by a client certificate go to the leader itself, ${leader.adminUrl}; nothing applied`,
          leader: this.election.info().leader,
        });
      return;
    }
    const headers: Record<string, string> = { [FORWARDED_BY]: this.election.self };
    for (const name of PASSED_ON) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    try {
      const answer = await request(`${leader.adminUrl}${req.originalUrl}`, {
        dispatcher: this.agent,
        method: req.method as 'POST' | 'DELETE',
        headers,
        body: typeof req.body === 'string' ? req.body : undefined,
      });
      res.status(answer.statusCode).setHeader(LEADER_HEADER, leader.holder);
      for (const name of ['content-type', 'retry-after']) {
        const value = answer.headers[name];
        if (typeof value === 'string') res.setHeader(name, value);
      }
      res.send(Buffer.from(await answer.body.arrayBuffer()));
    } catch (err) {
      this.log.warn(
        { leader: leader.holder, adminUrl: leader.adminUrl, err: (err as Error).message },
        'forwarding a write to the leader failed',
      );
      const outcome = NOT_SENT.has((err as NodeJS.ErrnoException).code ?? '')
        ? 'nothing applied'
        : 'it may have applied the write before it went away: send it again (an apply already in place changes nothing)';
      this.noLeader(
        res,
        `the leader ${leader.holder} at ${leader.adminUrl} did not answer (${(err as Error).message}); ${outcome}`,
      );
    }
  }

  private noLeader(res: Response, message: string): void {
    if (res.headersSent) return void res.end();
    res
      .status(503)
      .setHeader('retry-after', String(this.election.retryAfterSeconds))
      .json({ error: 'no_leader', message, leader: this.election.info().leader });
  }
}
