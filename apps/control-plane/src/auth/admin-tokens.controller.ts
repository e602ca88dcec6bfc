// Admin tokens over the admin API (`/v1/admin-tokens`), admins only: create (shown once), list, revoke.
import {
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import type { AdminTokenInfo, CreatedAdminToken } from '@app/protocol';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import { Caller, type AdminCaller } from './admin-caller.js';
import { CreateAdminTokenRequest, parseBody } from './admin-auth-requests.dto.js';
import {
  AdminTokenConflict,
  AdminTokenStore,
  FIRST_TOKEN_NAME,
} from './admin-token-store.service.js';

@Controller('v1/admin-tokens')
export class AdminTokensController {
  constructor(
    private readonly env: ControlPlaneEnv,
    private readonly tokens: AdminTokenStore,
  ) {}

  /** 201 with the token, which is shown this once (only its hash is kept). */
  @Post()
  async create(@Body() body: unknown, @Caller() caller: AdminCaller): Promise<CreatedAdminToken> {
    const { name, role } = parseBody(CreateAdminTokenRequest, body, 'admin token');
    try {
      return await this.tokens.create(name, role, caller.name);
    } catch (err) {
      if (err instanceof AdminTokenConflict) {
        throw new ConflictException({ error: 'conflict', message: err.message });
      }
      throw err;
    }
  }

  /** Every token of the bucket (a WEFT_ADMIN_TOKEN_FILE token is the operator's, not listed). */
  @Get()
  list(): { items: AdminTokenInfo[] } {
    return { items: this.tokens.list() };
  }

  @Delete(':name')
  async revoke(
    @Param('name') name: string,
    @Caller() caller: AdminCaller,
  ): Promise<{ name: string; revoked: true }> {
    if (await this.tokens.revoke(name, caller.name)) return { name, revoked: true };
    if (name === FIRST_TOKEN_NAME && this.env.WEFT_ADMIN_TOKEN_FILE !== undefined) {
      throw new ConflictException({
        error: 'conflict',
        message: `${FIRST_TOKEN_NAME} is the token of WEFT_ADMIN_TOKEN_FILE: replace that file and restart to change it`,
      });
    }
    throw new NotFoundException({ error: 'not_found', message: `no admin token named ${name}` });
  }
}
