import type Database from 'better-sqlite3';

/** the schema this code writes; PRAGMA user_version holds the one a data dir has */
const VERSION = 3;

/**
 * Opens the schema, migrating an older data dir. Tables mirror what the Redis store keeps: a row per key.
 * Pragmas, for speed with safety:
 * - WAL: readers never wait for the writer, and a commit is one append to the log;
 * - synchronous=NORMAL: with WAL, a commit is not fsynced, the log is at checkpoints; a crash of the process
 *   (what we guard against) loses nothing, and only a power loss can drop the last commits, never corrupt
 *   the file. FULL would fsync every start, check and callback;
 * - busy_timeout: another connection's write transaction (BEGIN IMMEDIATE) is waited for, not failed.
 */
export function migrate(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.transaction(() => {
    const from = db.pragma('user_version', { simple: true }) as number;
    if (from >= VERSION) return;
    createTables(db);
    moveSessionsAndLimitsToKeyValue(db);
    db.pragma(`user_version = ${VERSION}`);
  }).immediate();
}

function createTables(db: Database.Database): void {
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
    -- sessions (value: bytes) and rate-limit counters (value: an integer) with their expiry (ms)
    CREATE TABLE IF NOT EXISTS kv (
      key TEXT PRIMARY KEY,
      value BLOB NOT NULL,
      expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS kv_expiry ON kv (expires_at);
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
    CREATE TABLE IF NOT EXISTS applications (
      id TEXT PRIMARY KEY,
      data TEXT NOT NULL
    );
    -- which application holds a key id (the key's hash is in the application's data)
    CREATE TABLE IF NOT EXISTS application_keys (
      key_id TEXT PRIMARY KEY,
      application_id TEXT NOT NULL
    );
  `);
}

/**
 * Version 1 kept express-session's sessions (JSON text) and rate-limiter-flexible's counters in tables of
 * their own. Both move into kv under the keys the adapters use now (store.ts keyValueKeys), so a browser
 * in the middle of a verification keeps its session and a running window keeps its count across the
 * upgrade: the session adapter reads plain JSON as well as its compact encoding, and a counter is the
 * same integer. Expired entries are dropped.
 */
function moveSessionsAndLimitsToKeyValue(db: Database.Database): void {
  const has = (table: string) => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
  const now = Date.now();
  if (has('sessions')) {
    db.prepare(`INSERT OR REPLACE INTO kv (key, value, expires_at) SELECT 's:' || sid, CAST(data AS BLOB), expires_at FROM sessions WHERE expires_at > ?`).run(now);
    db.exec('DROP TABLE sessions');
  }
  if (has('rate_limits')) {
    db.prepare(`INSERT OR REPLACE INTO kv (key, value, expires_at) SELECT 'rl:' || key, points, expire FROM rate_limits WHERE expire > ?`).run(now);
    db.exec('DROP TABLE rate_limits');
  }
}
