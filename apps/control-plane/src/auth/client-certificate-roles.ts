// WEFT_ADMIN_TLS_CLIENT_ROLES: which client certificate (by its SPIFFE ID) has which admin API role.
import type { AdminRole } from '@app/protocol';

const ENTRY = String.raw`spiffe://[^\s,=]+=(?:read|admin)`;

/** `spiffe://…=admin,spiffe://…=read`: exact SPIFFE IDs, no wildcards (each one is a decision). */
export const CLIENT_ROLES_SYNTAX = new RegExp(`^${ENTRY}(?:,${ENTRY})*$`);

/** The validated setting as a map; a certificate whose SPIFFE ID is not in it has no role. */
export function parseClientRoles(setting: string | undefined): ReadonlyMap<string, AdminRole> {
  const roles = new Map<string, AdminRole>();
  for (const entry of setting?.split(',') ?? []) {
    const at = entry.lastIndexOf('=');
    roles.set(entry.slice(0, at), entry.slice(at + 1) as AdminRole);
  }
  return roles;
}
