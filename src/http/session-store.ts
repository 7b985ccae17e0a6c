import session from 'express-session';
import type { Request } from 'express';
import { keyValueKeys, type KeyValueStore, type SessionBinding } from '../store/store.js';
import { packSession, unpackSession } from './session-codec.js';

const DEFAULT_TTL_MS = 24 * 3600 * 1000;
/** how long the adapter trusts that a session written with a verification is stored: longer than a request */
const KNOWN_FOR_MS = 30_000;

/**
 * express-session's store over the Store's key-value space: one value per session (session-codec.ts) that
 * expires with the cookie, so any instance reads it. Rules:
 * - a session written with its verification (`sessionRecordOf` below, passed to `verifications.create`) is
 *   not written again by express-session at the end of that request, unless its data changed meanwhile;
 * - touch writes nothing: the cookie's expiry is fixed when the session is made (`rolling: false` in
 *   session.ts, which express-session does not re-send), and the stored value already expires with it;
 * - a store outage reaches express-session as StoreUnavailable, which it passes to the error handler: a 503.
 */
export class KeyValueSessionStore extends session.Store {
  /**
   * per session id, the data (without the cookie) known to be stored by a start's one write; oldest first.
   * Memory of this instance is enough: express-session writes at the end of the same request, here.
   */
  private readonly known = new Map<string, { fingerprint: string; until: number }>();

  /**
   * `compact`: deflate what is stored (session-codec.ts). Worth it on Redis, whose memory is the in-flight
   * budget; on SQLite the deflate only costs CPU (about 5% of a start), so sessions are stored as plain JSON,
   * which the codec reads too.
   */
  constructor(
    private readonly keyValue: KeyValueStore,
    private readonly compact = true,
  ) {
    super();
  }

  override get(sid: string, callback: (err: unknown, session?: session.SessionData | null) => void): void {
    settle(
      this.keyValue.get(keyValueKeys.session(sid)).then((stored) => (stored ? unpackSession(stored) : null)),
      callback,
    );
  }

  override set(sid: string, data: session.SessionData, callback?: (err?: unknown) => void): void {
    if (this.takeKnown(sid, data)) {
      callback?.();
      return;
    }
    settle(this.keyValue.set(keyValueKeys.session(sid), this.encode(data), ttlOf(data)), callback);
  }

  override touch(_sid: string, _data: session.SessionData, callback?: () => void): void {
    callback?.();
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.known.delete(sid);
    settle(this.keyValue.delete(keyValueKeys.session(sid)), callback);
  }

  /** The session as this adapter stores it, remembered as stored once the caller has written it. */
  bind(sid: string, data: session.SessionData): SessionBinding {
    const now = Date.now();
    for (const [id, entry] of this.known) {
      if (entry.until > now) break;
      this.known.delete(id);
    }
    this.known.delete(sid);
    this.known.set(sid, { fingerprint: fingerprintOf(data), until: now + KNOWN_FOR_MS });
    return { id: sid, data: this.encode(data), ttlMs: ttlOf(data) };
  }

  private encode(data: session.SessionData): Buffer {
    return this.compact ? packSession(data) : Buffer.from(JSON.stringify(data));
  }

  private takeKnown(sid: string, data: session.SessionData): boolean {
    const entry = this.known.get(sid);
    if (!entry) return false;
    this.known.delete(sid);
    return entry.until > Date.now() && entry.fingerprint === fingerprintOf(data);
  }
}

/**
 * The request's session for the start's one write: `verifications.create(v, { session: sessionRecordOf(req) })`.
 * Call it after the last change to `req.session` of the request: express-session then has nothing left to
 * write. If the create fails, the session is not stored, and the browser's next request starts a new one
 * (nothing refers to its owner id yet).
 */
export function sessionRecordOf(req: Request): SessionBinding {
  const store = req.sessionStore;
  if (!(store instanceof KeyValueSessionStore)) throw new TypeError('the session middleware does not use the KeyValueSessionStore');
  return store.bind(req.sessionID, req.session);
}

/**
 * The session without its cookie: express-session resets the cookie's expiry (by a few milliseconds) before
 * it saves, and the stored value's time to live does not need to follow that.
 */
function fingerprintOf(data: session.SessionData): string {
  const { cookie: _cookie, ...rest } = data;
  return JSON.stringify(rest);
}

function ttlOf(data: session.SessionData): number {
  const expires = data.cookie?.expires;
  return Math.max(1, expires ? new Date(expires).getTime() - Date.now() : DEFAULT_TTL_MS);
}

/** Calls back once: with the value, or with the store's error (never with what the callback throws). */
function settle<T>(work: Promise<T>, callback: ((err: unknown, value?: T) => void) | undefined): void {
  work
    .then(
      (value) => callback?.(null, value),
      (err) => callback?.(err),
    )
    // express's router catches what handlers throw; this only keeps a stray throw from becoming a crash
    .catch(() => undefined);
}
