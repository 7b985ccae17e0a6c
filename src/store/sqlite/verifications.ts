import type Database from 'better-sqlite3';
import { isFinal, type AuthorizationState, type Verification } from '../../domain/verification.js';
import { keyValueKeys, type CreateAlso, type VerificationChange } from '../store.js';
import type { createOutbox } from './outbox.js';

/** Verifications with what is written alongside them (VerificationStore in store.ts): each write one IMMEDIATE transaction. */
export function createVerifications(db: Database.Database, outbox: ReturnType<typeof createOutbox>) {
  const q = {
    insert: db.prepare('INSERT INTO verifications (id, data, final, expires_at, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING'),
    recent: db.prepare<[number], { data: string }>('SELECT data FROM verifications ORDER BY created_at DESC, rowid DESC LIMIT ?'),
    get: db.prepare<[string], { data: string }>('SELECT data FROM verifications WHERE id = ?'),
    put: db.prepare('UPDATE verifications SET data = ?, final = ?, expires_at = ? WHERE id = ?'),
    expiredIds: db.prepare<[number, number], { id: string }>('SELECT id FROM verifications WHERE final = 0 AND expires_at <= ? LIMIT ?'),
    insertState: db.prepare('INSERT INTO authorization_states (state, data, expires_at) VALUES (?, ?, ?)'),
    takeState: db.prepare<[string, number], { data: string }>('DELETE FROM authorization_states WHERE state = ? AND expires_at > ? RETURNING data'),
    putSession: db.prepare('INSERT OR REPLACE INTO kv (key, value, expires_at) VALUES (?, ?, ?)'),
  };

  const create = db.transaction((v: Verification, also: CreateAlso) => {
    const inserted = q.insert.run(v.id, JSON.stringify(v), isFinal(v.status) ? 1 : 0, Date.parse(v.expiresAt), Date.parse(v.createdAt));
    // thrown inside the transaction: nothing of this call is written
    if (inserted.changes === 0) throw new Error(`verification ${v.id} already exists`);
    const { authorization: s, session } = also;
    if (s) q.insertState.run(s.state, JSON.stringify(s), Date.parse(s.expiresAt));
    if (also.outbox?.length) outbox.enqueue(also.outbox);
    if (session) q.putSession.run(keyValueKeys.session(session.id), session.data, Date.now() + session.ttlMs);
  });

  const update = db.transaction((id: string, change: VerificationChange): Verification | undefined => {
    const row = q.get.get(id);
    if (!row) return undefined;
    const result = change(JSON.parse(row.data) as Verification);
    if (!result) return undefined;
    const { next } = result;
    q.put.run(JSON.stringify(next), isFinal(next.status) ? 1 : 0, Date.parse(next.expiresAt), id);
    if (result.outbox?.length) outbox.enqueue(result.outbox);
    return next;
  });

  return {
    create: (v: Verification, also: CreateAlso = {}): void => create.immediate(v, also),
    get: (id: string): Verification | undefined => {
      const row = q.get.get(id);
      return row ? (JSON.parse(row.data) as Verification) : undefined;
    },
    update: (id: string, change: VerificationChange): Verification | undefined => update.immediate(id, change),
    listRecent: (limit: number): Verification[] => q.recent.all(limit).map((r) => JSON.parse(r.data) as Verification),
    listExpiredIds: (now: Date, limit: number): string[] => q.expiredIds.all(now.getTime(), limit).map((r) => r.id),
    consumeAuthorization: (state: string): AuthorizationState | undefined => {
      const row = q.takeState.get(state, Date.now());
      return row ? (JSON.parse(row.data) as AuthorizationState) : undefined;
    },
  };
}
