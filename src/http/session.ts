import { randomToken } from '../random.js';
import session from 'express-session';
import type { Request, RequestHandler } from 'express';
import type { Store } from '../store/store.js';
import { KeyValueSessionStore } from './session-store.js';

declare module 'express-session' {
  interface SessionData {
    /** random id binding this browser or app to the verifications it started */
    ownerId?: string;
    /** the latest verification this session sent to an operator: an error redirect without state ends it */
    silentVerificationId?: string;
    /** the application's verification whose checkUrl this device opened (it is not the starter's session) */
    checkedVerificationId?: string;
  }
}

/**
 * The browser/app session: a signed, httpOnly, SameSite=Lax cookie (Lax so it comes back on the operator's
 * top-level redirect to /callback) whose data lives in the store's key-value space (session-store.ts), so
 * any instance can read it. The cookie's expiry is fixed when the session is made (not rolling), which is
 * what lets the adapter skip express-session's touch.
 */
export function sessionMiddleware(options: { store: Store; secret: string; secure: boolean; maxAgeMs: number }): RequestHandler {
  const handler = session({
    name: sessionCookieName(options.secure),
    secret: options.secret,
    store: new KeyValueSessionStore(options.store.keyValue, options.store.kind === 'redis'),
    resave: false,
    saveUninitialized: false,
    rolling: false,
    // 24 random bytes, as express-session's own uid-safe would make, from the pooled CSPRNG (src/random.ts)
    genid: () => randomToken(24),
    cookie: { httpOnly: true, sameSite: 'lax', secure: options.secure, maxAge: options.maxAgeMs },
  });
  // express-session saves at res.end and reports a failed save (the store is down) by calling next again,
  // after the answer has started; that second error would reach Express's final handler, which destroys the
  // socket, so the client would get a reset instead of the answer (often the route's own 503). The answer stands.
  return (req, res, next) => handler(req, res, (err?: unknown) => (err && res.headersSent ? undefined : next(err)));
}

/**
 * `__Host-` makes browsers refuse the cookie unless it is Secure, Path=/ and without Domain, so a sibling
 * subdomain or a plain-http page cannot plant or overwrite it; browsers drop such cookies over http, so
 * development without TLS keeps the plain name.
 */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-vsid' : 'vsid';
}

/** The session's owner id, created on first use (which is what makes express-session save the session). */
export function ownerIdOf(req: Request): string {
  req.session.ownerId ??= randomToken(16);
  return req.session.ownerId;
}
