import type Database from 'better-sqlite3';

/**
 * The kv table (KeyValueStore in store.ts). An increment is one upsert: SQLite runs a statement alone, so
 * concurrent increments, from any connection, add up. An expired counter restarts as if absent.
 */
export function createKeyValue(db: Database.Database) {
  const q = {
    get: db.prepare<[string, number], { value: Buffer | number }>('SELECT value FROM kv WHERE key = ? AND expires_at > ?'),
    set: db.prepare('INSERT OR REPLACE INTO kv (key, value, expires_at) VALUES (?, ?, ?)'),
    delete: db.prepare('DELETE FROM kv WHERE key = ?'),
    increment: db.prepare<{ key: string; points: number; expiresAt: number; now: number }, { value: number; expires_at: number }>(
      `INSERT INTO kv (key, value, expires_at) VALUES (@key, @points, @expiresAt)
       ON CONFLICT(key) DO UPDATE SET
         value = CASE WHEN expires_at <= @now THEN excluded.value ELSE value + excluded.value END,
         expires_at = CASE WHEN expires_at <= @now THEN excluded.expires_at ELSE expires_at END
       RETURNING value, expires_at`,
    ),
  };
  return {
    get: (key: string): Buffer | undefined => {
      const row = q.get.get(key, Date.now());
      if (!row) return undefined;
      return Buffer.isBuffer(row.value) ? row.value : Buffer.from(String(row.value));
    },
    set: (key: string, value: Buffer, ttlMs: number): void => void q.set.run(key, value, Date.now() + Math.max(1, ttlMs)),
    delete: (key: string): void => void q.delete.run(key),
    increment: (key: string, points: number, ttlMs: number): { value: number; msBeforeReset: number } => {
      const now = Date.now();
      const row = q.increment.get({ key, points, expiresAt: now + Math.max(1, ttlMs), now })!;
      return { value: Number(row.value), msBeforeReset: Math.max(0, row.expires_at - now) };
    },
  };
}
