// Bodies of the login and of a token's creation, and how a JSON (or YAML) body becomes one.
import { BadRequestException } from '@nestjs/common';
import type { ClassConstructor } from 'class-transformer';
import { IsIn, IsString, Matches } from 'class-validator';
import { parse } from 'yaml';
import { ADMIN_ROLES, formatErrors, parseInto, type AdminRole } from '@app/protocol';
import { TOKEN_SYNTAX } from './admin-token.js';
import { TOKEN_NAME, TOKEN_NAME_MESSAGE } from './admin-token-record.dto.js';

/** These bodies are a few fields: anything longer is not one of them. */
const MAX_BODY = 4_096;

/** `POST /v1/session`: the token pasted into the dashboard's login. */
export class LoginRequest {
  @IsString()
  @Matches(TOKEN_SYNTAX, { message: 'token is not a token' })
  token!: string;
}

/** `POST /v1/admin-tokens`. */
export class CreateAdminTokenRequest {
  @Matches(TOKEN_NAME, { message: `name ${TOKEN_NAME_MESSAGE}` })
  name!: string;

  @IsIn(ADMIN_ROLES, { message: `role must be one of ${ADMIN_ROLES.join(', ')}` })
  role!: AdminRole;
}

/** The body (read as text; JSON is YAML) as `cls`, or 400 naming each bad field. */
export function parseBody<T extends object>(
  cls: ClassConstructor<T>,
  body: unknown,
  what: string,
): T {
  const text = typeof body === 'string' ? body : '';
  if (text.length > MAX_BODY)
    throw badRequest(`${what}: the body is longer than ${MAX_BODY} bytes`);
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw badRequest(`${what}: the body is not JSON: ${(err as Error).message}`);
  }
  const parsed = parseInto(cls, raw, what);
  if (!parsed.ok) throw badRequest(formatErrors(parsed.errors));
  return parsed.value;
}

function badRequest(message: string): BadRequestException {
  return new BadRequestException({ error: 'bad_request', message });
}
