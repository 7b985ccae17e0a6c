import type Database from 'better-sqlite3';

/** Tables are created at open; a row's JSON mirrors what the Redis store keeps under one key. */
export function migrate(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  // NORMAL with WAL survives a process crash (what we guard against); only power loss can drop the last commits
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(`
    CREATE TABLE IF NOT EXISTS verifications (
      id TEXT PRIMARY KEY,
      data TEXT NOT NULL,
      final INTEGER NOT NULL DEFAULT 0,
      expires_at INTEGER NOT NULL,
      created_at INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX IF NOT EXISTS verifications_created ON verifications (created_at);
    CREATE INDEX IF NOT EXISTS verifications_open_expiry ON verifications (final, expires_at);
    CREATE TABLE IF NOT EXISTS authorization_states (
      state TEXT PRIMARY KEY,
      data TEXT NOT NULL,
      expires_at INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS records (
      namespace TEXT NOT NULL,
      key TEXT NOT NULL,
      data TEXT NOT NULL,
      expires_at INTEGER,
      PRIMARY KEY (namespace, key)
    );
    CREATE TABLE IF NOT EXISTS sessions (
      sid TEXT PRIMARY KEY,
      data TEXT NOT NULL,
      expires_at INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS outbox (
      id TEXT PRIMARY KEY,
      application_id TEXT NOT NULL,
      event_type TEXT NOT NULL,
      payload TEXT NOT NULL,
      created_at TEXT NOT NULL,
      status TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL,
      lease_until INTEGER,
      last_status INTEGER,
      last_error TEXT,
      delivered_at TEXT
    );
    CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_attempt_at);
    -- rate-limiter-flexible's table, created here because a limiter would otherwise create it asynchronously
    -- and refuse every call until then ("Table is not created yet")
    CREATE TABLE IF NOT EXISTS rate_limits (
      key TEXT PRIMARY KEY,
      points INTEGER NOT NULL DEFAULT 0,
      expire INTEGER
    );
  `);
}
