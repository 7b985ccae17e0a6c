import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { RateLimiterSQLite } from 'rate-limiter-flexible';
import { isFinal, type AuthorizationState, type Verification } from '../../domain/verification.js';
import { StoreUnavailable } from '../../errors.js';
import type { Store, VerificationChange } from '../store.js';
import { createOutbox } from './outbox.js';
import { migrate } from './schema.js';
import { SqliteSessionStore } from './sessions.js';

/** how long finished verifications stay readable after they expire, before the purge removes them */
const RETENTION_MS = 24 * 3600 * 1000;

/**
 * The database holds sessions, verifications and channel keys: owner-only (0600), whatever the umask, even
 * for files an older version created. SQLite gives the -wal and -shm files it creates the main file's mode;
 * existing ones are chmod-ed too.
 */
function keepPrivate(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
}

/**
 * The embedded store: one SQLite file (WAL) for one broker instance. better-sqlite3 is synchronous,
 * so each method's work happens in one transaction with nothing interleaved: updates are atomic.
 */
export function createSqliteStore(options: { file: string }): Store {
  if (options.file !== ':memory:') mkdirSync(path.dirname(options.file), { recursive: true, mode: 0o700 });
  const db = new Database(options.file);
  if (options.file !== ':memory:') keepPrivate(options.file);
  migrate(db);
  if (options.file !== ':memory:') keepPrivate(options.file);
  const outbox = createOutbox(db);

  const q = {
    insertVerification: db.prepare('INSERT INTO verifications (id, data, final, expires_at, created_at) VALUES (?, ?, ?, ?, ?)'),
    recent: db.prepare<[number], { data: string }>('SELECT data FROM verifications ORDER BY created_at DESC, rowid DESC LIMIT ?'),
    getVerification: db.prepare<[string], { data: string }>('SELECT data FROM verifications WHERE id = ?'),
    putVerification: db.prepare('UPDATE verifications SET data = ?, final = ?, expires_at = ? WHERE id = ?'),
    expiredIds: db.prepare<[number, number], { id: string }>('SELECT id FROM verifications WHERE final = 0 AND expires_at <= ? LIMIT ?'),
    insertState: db.prepare('INSERT INTO authorization_states (state, data, expires_at) VALUES (?, ?, ?)'),
    takeState: db.prepare<[string, number], { data: string }>('DELETE FROM authorization_states WHERE state = ? AND expires_at > ? RETURNING data'),
    putRecord: db.prepare('INSERT INTO records (namespace, key, data, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT(namespace, key) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at'),
    getRecord: db.prepare<[string, string, number], { data: string }>('SELECT data FROM records WHERE namespace = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)'),
    deleteRecord: db.prepare('DELETE FROM records WHERE namespace = ? AND key = ?'),
  };

  const update = db.transaction((id: string, change: VerificationChange): Verification | undefined => {
    const row = q.getVerification.get(id);
    if (!row) return undefined;
    const result = change(JSON.parse(row.data) as Verification);
    if (!result) return undefined;
    const { next } = result;
    q.putVerification.run(JSON.stringify(next), isFinal(next.status) ? 1 : 0, Date.parse(next.expiresAt), id);
    if (result.outbox?.length) outbox.enqueue(result.outbox);
    return next;
  });

  const purge = () => {
    const now = Date.now();
    db.prepare('DELETE FROM verifications WHERE expires_at <= ?').run(now - RETENTION_MS);
    db.prepare('DELETE FROM authorization_states WHERE expires_at <= ?').run(now);
    db.prepare('DELETE FROM records WHERE expires_at IS NOT NULL AND expires_at <= ?').run(now);
    db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now);
  };
  purge();
  const purgeTimer = setInterval(purge, 10 * 60 * 1000);
  purgeTimer.unref();

  // SQLite errors (disk full, locked file) are our unavailability; a bug in a change function is not
  const guard = <T>(work: () => T): Promise<T> => {
    // after close (shutdown), requests still draining get a 503 rather than better-sqlite3's TypeError
    if (!db.open) return Promise.reject(new StoreUnavailable());
    try {
      return Promise.resolve(work());
    } catch (err) {
      return Promise.reject(err instanceof Database.SqliteError ? new StoreUnavailable(err) : err);
    }
  };

  return {
    kind: 'sqlite',
    createVerification: (v) =>
      guard(() => void q.insertVerification.run(v.id, JSON.stringify(v), isFinal(v.status) ? 1 : 0, Date.parse(v.expiresAt), Date.parse(v.createdAt))),
    getVerification: (id) =>
      guard(() => {
        const row = q.getVerification.get(id);
        return row ? (JSON.parse(row.data) as Verification) : undefined;
      }),
    updateVerification: (id, change) => guard(() => update(id, change)),
    listRecentVerifications: (limit) => guard(() => q.recent.all(limit).map((r) => JSON.parse(r.data) as Verification)),
    listExpiredVerificationIds: (now, limit) => guard(() => q.expiredIds.all(now.getTime(), limit).map((r) => r.id)),

    saveAuthorizationState: (s) => guard(() => void q.insertState.run(s.state, JSON.stringify(s), Date.parse(s.expiresAt))),
    consumeAuthorizationState: (state) =>
      guard(() => {
        const row = q.takeState.get(state, Date.now());
        return row ? (JSON.parse(row.data) as AuthorizationState) : undefined;
      }),

    putRecord: (ns, key, value, ttl) =>
      guard(() => void q.putRecord.run(ns, key, JSON.stringify(value), ttl ? Date.now() + ttl * 1000 : null)),
    getRecord: <T>(ns: string, key: string) =>
      guard(() => {
        const row = q.getRecord.get(ns, key, Date.now());
        return row ? (JSON.parse(row.data) as T) : undefined;
      }),
    deleteRecord: (ns, key) => guard(() => void q.deleteRecord.run(ns, key)),

    enqueue: (messages) => guard(() => outbox.enqueue(messages)),
    claimDeliveries: (now, max, leaseMs) => guard(() => outbox.claim(now, max, leaseMs)),
    completeDelivery: (id, result, now) => guard(() => outbox.complete(id, result, now)),
    listDeliveries: (filter) => guard(() => outbox.list(filter)),
    replayDelivery: (id, now) => guard(() => outbox.replay(id, now)),
    countPendingDeliveries: () => guard(() => outbox.countPending()),
    purgeFinishedDeliveries: (finishedBefore, limit) => guard(() => outbox.purge(finishedBefore, limit)),

    rateLimiter: ({ keyPrefix, points, duration }) =>
      new RateLimiterSQLite({ storeClient: db, storeType: 'better-sqlite3', tableName: 'rate_limits', tableCreated: true, keyPrefix, points, duration }),
    sessions: new SqliteSessionStore(db),

    ping: () => guard(() => void db.prepare('SELECT 1').get()),
    close: async () => {
      clearInterval(purgeTimer);
      if (db.open) db.close();
    },
  };
}
