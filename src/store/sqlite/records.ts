import type Database from 'better-sqlite3';

/** The records table: JSON per namespace and key, with an optional expiry (ms). */
export function createRawRecords(db: Database.Database) {
  const q = {
    put: db.prepare('INSERT INTO records (namespace, key, data, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT(namespace, key) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at'),
    get: db.prepare<[string, string, number], { data: string }>('SELECT data FROM records WHERE namespace = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)'),
    delete: db.prepare('DELETE FROM records WHERE namespace = ? AND key = ?'),
  };
  return {
    get: (namespace: string, key: string): string | undefined => q.get.get(namespace, key, Date.now())?.data,
    put: (namespace: string, key: string, json: string, ttlSeconds?: number): void =>
      void q.put.run(namespace, key, json, ttlSeconds ? Date.now() + ttlSeconds * 1000 : null),
    delete: (namespace: string, key: string): void => void q.delete.run(namespace, key),
  };
}
