import session from 'express-session';
import type { Redis } from 'ioredis';
import type { KeyLayout } from './keys.js';
import { packSession, unpackSession } from './compact.js';
import { guard } from './connection.js';

const DEFAULT_TTL_MS = 24 * 3600 * 1000;

/**
 * express-session's store over ioredis: one (deflated) JSON value per session that expires with the cookie.
 * (connect-redis 9 supports only the `redis` client and 10 needs Node 22, so this is the few lines it would be.)
 * Errors reach express-session as StoreUnavailable, which it passes to the error handler: a 503, not a crash.
 */
export class RedisSessionStore extends session.Store {
  constructor(
    private readonly client: Redis,
    private readonly keys: KeyLayout,
  ) {
    super();
  }

  override get(sid: string, callback: (err: unknown, session?: session.SessionData | null) => void): void {
    settle(
      guard(() => this.client.getBuffer(this.keys.session(sid))).then((stored) => (stored ? unpackSession(stored) : null)),
      callback,
    );
  }

  override set(sid: string, data: session.SessionData, callback?: (err?: unknown) => void): void {
    settle(
      guard(() => this.client.set(this.keys.session(sid), packSession(data), 'PX', ttlOf(data))),
      callback,
    );
  }

  override touch(sid: string, data: session.SessionData, callback?: () => void): void {
    settle(
      guard(() => this.client.pexpire(this.keys.session(sid), ttlOf(data))),
      callback,
    );
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    settle(
      guard(() => this.client.del(this.keys.session(sid))),
      callback,
    );
  }
}

/** Calls back once: with the value, or with the error of the Redis work (never with what the callback throws). */
function settle<T>(work: Promise<T>, callback: ((err: unknown, value?: T) => void) | undefined): void {
  work
    .then(
      (value) => callback?.(null, value),
      (err) => callback?.(err),
    )
    // express's router catches what handlers throw; this only keeps a stray throw from becoming a crash
    .catch(() => undefined);
}

function ttlOf(data: session.SessionData): number {
  const expires = data.cookie?.expires;
  return Math.max(1, expires ? new Date(expires).getTime() - Date.now() : DEFAULT_TTL_MS);
}
