// Where the CLI looks by default: the control plane admin API and NATS, as the apps default them.
import { CONTROL_PLANE_ADMIN_PORT, DEFAULT_NATS_URL } from '@app/protocol/defaults.js';
import { DEFAULT_SUBJECT_PREFIX } from '@app/protocol/subjects.js';

// Deep imports above and below: the `@app/protocol` barrel loads every DTO, and with them
// class-validator and reflect-metadata, which a short-lived CLI does not need.

export function defaultServer(env: NodeJS.ProcessEnv = process.env): string {
  return env.WEFT_SERVER || `http://127.0.0.1:${CONTROL_PLANE_ADMIN_PORT}`;
}

export function defaultNatsUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.NATS_URL || DEFAULT_NATS_URL;
}

/** The folder `weft nats-config` wrote, where `weft token` works. */
export function natsAuthDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.WEFT_NATS_AUTH_DIR || undefined;
}

export function subjectPrefix(env: NodeJS.ProcessEnv = process.env): string {
  return env.WEFT_SUBJECT_PREFIX || DEFAULT_SUBJECT_PREFIX;
}
