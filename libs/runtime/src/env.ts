// Environment validated once at boot as a DTO; a bad value stops the process naming the variable.
import 'reflect-metadata';
import { plainToInstance, Transform, type ClassConstructor } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  ValidateIf,
  validateSync,
} from 'class-validator';
import {
  DEFAULT_NATS_URL,
  DEFAULT_SUBJECT_PREFIX,
  DEFAULT_TRUST_DOMAIN,
  SUBJECT_TOKEN,
  TRUST_DOMAIN,
  TRUST_DOMAIN_MESSAGE,
} from '@app/protocol';
import { IsPemFile } from './nats-tls.js';

/** Turns a numeric env string into a number so `@IsInt` can judge it. */
export const ToInt = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && value !== '' ? Number(value) : value,
  );

export class CommonEnv {
  /** Comma-separated list of NATS server URLs. */
  @IsString()
  NATS_URL: string = DEFAULT_NATS_URL;

  @IsOptional()
  @IsString()
  WEFT_NATS_CREDS?: string;

  /** NATS over TLS (`nats-tls.ts`): the server CA, and a client certificate for servers that verify. */
  @IsOptional()
  @IsPemFile('certificate')
  WEFT_NATS_TLS_CA?: string;

  @ValidateIf((env: CommonEnv) => env.WEFT_NATS_TLS_KEY !== undefined)
  @IsDefined({ message: 'WEFT_NATS_TLS_CERT must be set with WEFT_NATS_TLS_KEY' })
  @IsPemFile('certificate')
  WEFT_NATS_TLS_CERT?: string;

  @ValidateIf((env: CommonEnv) => env.WEFT_NATS_TLS_CERT !== undefined)
  @IsDefined({ message: 'WEFT_NATS_TLS_KEY must be set with WEFT_NATS_TLS_CERT' })
  @IsPemFile('private key')
  WEFT_NATS_TLS_KEY?: string;

  @Matches(SUBJECT_TOKEN, {
    message: 'WEFT_SUBJECT_PREFIX must be one subject token (letters, digits, - and _)',
  })
  WEFT_SUBJECT_PREFIX: string = DEFAULT_SUBJECT_PREFIX;

  /** The mesh's SPIFFE trust domain: `spiffe://<it>/ns/<namespace>/sa/<service-account>`. */
  @Matches(TRUST_DOMAIN, { message: `WEFT_TRUST_DOMAIN ${TRUST_DOMAIN_MESSAGE}` })
  WEFT_TRUST_DOMAIN: string = DEFAULT_TRUST_DOMAIN;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  WEFT_LOG_LEVEL: string = 'info';

  /**
   * Where others reach this process: a sidecar's inbound listener, any component's admin API (in
   * the control plane's leader lease and in NATS services discovery).
   */
  @IsString()
  WEFT_ADVERTISE_ADDRESS: string = '127.0.0.1';

  /** The admin API at `port` as others reach it. */
  adminUrlAt(port: number): string {
    const host = this.WEFT_ADVERTISE_ADDRESS.includes(':')
      ? `[${this.WEFT_ADVERTISE_ADDRESS}]`
      : this.WEFT_ADVERTISE_ADDRESS;
    return `http://${host}:${port}`;
  }

  get natsServers(): string[] {
    return this.NATS_URL.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  /** The same without the user, password or token a URL may carry: what logs and answers show. */
  get natsServersShown(): string[] {
    return this.natsServers.map(withoutCredentials);
  }
}

/** `nats://user:secret@host:4222` → `nats://host:4222` (the last `@` before the path ends them). */
function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/]*@/i, '$1');
}

/** Reads `cls` from `env` (unset and empty variables keep their defaults); throws naming every bad key. */
export function loadEnv<T extends object>(
  cls: ClassConstructor<T>,
  env: NodeJS.ProcessEnv = process.env,
): T {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const instance = plainToInstance(cls, present, { excludeExtraneousValues: false });
  const errors = validateSync(instance, { whitelist: false });
  if (errors.length > 0) {
    const lines = errors.map(
      (e) =>
        `  ${e.property}=${JSON.stringify(e.value)}: ${Object.values(e.constraints ?? {}).join('; ')}`,
    );
    throw new Error(`invalid environment:\n${lines.join('\n')}`);
  }
  return instance;
}
