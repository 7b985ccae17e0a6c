import session from 'express-session';
import type Database from 'better-sqlite3';

const DEFAULT_TTL_MS = 24 * 3600 * 1000;

/** express-session's store over the embedded database, so a restart keeps browsers bound to their verifications. */
export class SqliteSessionStore extends session.Store {
  private readonly statements;

  constructor(db: Database.Database) {
    super();
    this.statements = {
      get: db.prepare<[string, number], { data: string }>('SELECT data FROM sessions WHERE sid = ? AND expires_at > ?'),
      set: db.prepare('INSERT INTO sessions (sid, data, expires_at) VALUES (?, ?, ?) ON CONFLICT(sid) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at'),
      touch: db.prepare('UPDATE sessions SET expires_at = ? WHERE sid = ?'),
      destroy: db.prepare('DELETE FROM sessions WHERE sid = ?'),
    };
  }

  override get(sid: string, callback: (err: unknown, session?: session.SessionData | null) => void): void {
    this.run(callback, () => {
      const row = this.statements.get.get(sid, Date.now());
      return row ? (JSON.parse(row.data) as session.SessionData) : null;
    });
  }

  override set(sid: string, data: session.SessionData, callback?: (err?: unknown) => void): void {
    this.run(callback, () => {
      this.statements.set.run(sid, JSON.stringify(data), expiryOf(data));
    });
  }

  override touch(sid: string, data: session.SessionData, callback?: () => void): void {
    this.run(callback, () => {
      this.statements.touch.run(expiryOf(data), sid);
    });
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.run(callback, () => {
      this.statements.destroy.run(sid);
    });
  }

  private run<T>(callback: ((err: unknown, value?: T) => void) | undefined, work: () => T): void {
    let value: T;
    try {
      value = work();
    } catch (err) {
      callback?.(err);
      return;
    }
    callback?.(null, value);
  }
}

function expiryOf(data: session.SessionData): number {
  const expires = data.cookie?.expires;
  return expires ? new Date(expires).getTime() : Date.now() + DEFAULT_TTL_MS;
}
