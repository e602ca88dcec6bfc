import type { ControlPlaneEnv } from '../control-plane-env.dto.js';
import type { AdminCaller } from './admin-caller.js';
import { AdminSessions, MAX_SESSIONS } from './admin-sessions.service.js';

const TTL = 60_000;
const alice: AdminCaller = { name: 'alice', role: 'read', credential: 'token', tokenHash: 'h' };

describe('AdminSessions', () => {
  const sessions = (): AdminSessions =>
    new AdminSessions({ WEFT_ADMIN_SESSION_TTL_MS: TTL } as ControlPlaneEnv);

  it('knows a session until it expires, as made by its token', () => {
    const s = sessions();
    const { id, expiresAt } = s.open(alice, 1_000);
    expect(expiresAt).toBe(1_000 + TTL);
    expect(s.find(id, 1_000 + TTL - 1)).toEqual({ ...alice, credential: 'session' });
    expect(s.find(id, 1_000 + TTL)).toBeUndefined();
  });

  it('ends a session at logout; ids are random and unguessable', () => {
    const s = sessions();
    const a = s.open(alice, 0);
    const b = s.open(alice, 0);
    expect(a.id).not.toBe(b.id);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    s.close(a.id);
    expect(s.find(a.id, 1)).toBeUndefined();
    expect(s.find(b.id, 1)).toBeDefined();
  });

  it(`keeps at most ${MAX_SESSIONS}: the oldest gives way`, () => {
    const s = sessions();
    const first = s.open(alice, 0);
    const second = s.open(alice, 0);
    for (let i = 2; i < MAX_SESSIONS; i++) s.open(alice, 0);
    expect(s.find(first.id, 1)).toBeDefined();
    s.open(alice, 0);
    expect(s.find(first.id, 1)).toBeUndefined();
    expect(s.find(second.id, 1)).toBeDefined();
  });
});
