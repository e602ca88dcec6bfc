// `/app-health/<container>/<livez|readyz|startupz>` on the admin port: the app's kubelet probes (httpGet, tcpSocket, grpc), rewritten there at injection, sent on to the app and answered with the outcome.
import { Controller, Get, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  appHealthPath,
  parseAppProbes,
  formatErrors,
  type AppProbe,
  type AppProbeType,
  type ProbeWord,
} from '@app/protocol';
import { grpcHealthCheck } from './grpc-health-check.js';
import { SidecarEnv } from './sidecar-env.dto.js';
import { tcpConnect } from './tcp-connect.js';

/** The probes this proxy answers for, by rewritten path (WEFT_APP_PROBES). */
export class AppProbes {
  constructor(readonly byPath: ReadonlyMap<string, AppProbe>) {}

  /** From the environment; throws naming every bad field, so a bad value fails at boot. */
  static fromEnv(env: SidecarEnv): AppProbes {
    if (env.WEFT_APP_PROBES === undefined) return new AppProbes(new Map());
    const parsed = parseAppProbes(env.WEFT_APP_PROBES);
    if (!parsed.ok) throw new Error(`invalid environment: ${formatErrors(parsed.errors)}`);
    return new AppProbes(parsed.value);
  }
}

@Controller()
export class AppHealthController {
  constructor(
    private readonly probes: AppProbes,
    private readonly env: SidecarEnv,
  ) {}

  /**
   * An HTTP probe: 200 when the app's answer passes as the kubelet reads it (200–399), else the
   * app's status; 503 when the app does not answer within the probe's timeout. A TCP probe: 200 when
   * a connection to the app's port opens, else 503. A gRPC probe: 200 when the app's health service
   * answers SERVING, else 503 saying what it answered. 404 for a probe injection did not record.
   */
  @Get('app-health/:container/:word')
  async probe(
    @Param('container') container: string,
    @Param('word') word: string,
    @Res() res: Response,
  ): Promise<void> {
    const probe = this.probes.byPath.get(appHealthPath(container, word as ProbeWord));
    if (!probe) {
      res.status(404).json({ error: `no ${word} probe recorded for container ${container}` });
      return;
    }
    const outcome = await CHECKS[probe.type](this.env.WEFT_APP_ADDRESS, probe);
    res.status(outcome.status).json(outcome);
  }
}

interface Outcome {
  readonly status: number;
  readonly error?: string;
}

/** How each kind of probe is sent to the app at `address`. */
const CHECKS: Record<AppProbeType, (address: string, probe: AppProbe) => Promise<Outcome>> = {
  httpGet: send,
  tcpSocket: async (address, probe) =>
    outcomeOf(
      await tcpConnect(address, probe.port, probe.timeoutSeconds * 1000).then((e) => e?.message),
    ),
  grpc: async (address, probe) =>
    outcomeOf(
      await grpcHealthCheck(address, probe.port, probe.service ?? '', probe.timeoutSeconds * 1000),
    ),
};

/** 200, or 503 with the reason the check failed. */
function outcomeOf(problem: string | undefined): Outcome {
  return problem === undefined ? { status: 200 } : { status: 503, error: problem };
}

/** One GET to the app as the kubelet would send it (HTTPS without verifying, as the kubelet does). */
function send(address: string, probe: AppProbe): Promise<Outcome> {
  const headers = Object.fromEntries((probe.headers ?? []).map((h) => [h.name, h.value]));
  const options = {
    host: address,
    port: probe.port,
    path: probe.path,
    method: 'GET',
    headers: { 'user-agent': 'weft-probe', ...headers },
    timeout: probe.timeoutSeconds * 1000,
    rejectUnauthorized: false,
    agent: false,
  };
  return new Promise((resolve) => {
    const req = (probe.scheme === 'HTTPS' ? httpsRequest : httpRequest)(options, (answer) => {
      answer.resume();
      const status = answer.statusCode ?? 502;
      resolve(status >= 200 && status < 400 ? { status: 200 } : { status });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${probe.timeoutSeconds} s`)));
    req.on('error', (err) => resolve({ status: 503, error: err.message }));
    req.end();
  });
}
