import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../deps.js';
import { BrokerError } from '../errors.js';

/**
 * Guards admin endpoints (webhook deliveries) and the backend facades.
 *
 * Rules:
 * - the caller sends `Authorization: Bearer <admin API key>` (ADMIN_API_KEY, else the key generated into
 *   DATA_DIR/secrets.json and printed once at first start);
 * - the comparison takes the same time whatever the key sent: both sides are hashed to equal lengths and
 *   compared with timingSafeEqual, so neither the key nor its length leaks through timing;
 * - anything else (no header, another scheme, a wrong key) is a 401 UNAUTHENTICATED with
 *   `WWW-Authenticate: Bearer`, and the request goes no further.
 * @see RFC 6750 §3 (WWW-Authenticate for bearer tokens)
 */
export function adminAuth(deps: BrokerDeps): RequestHandler {
  const expected = digest(deps.secrets.adminApiKey);
  return (req, _res, next) => {
    const match = /^Bearer ([\x21-\x7e]+)$/.exec(req.get('authorization') ?? '');
    if (match && timingSafeEqual(digest(match[1]), expected)) return next();
    next(
      new BrokerError(401, 'UNAUTHENTICATED', 'This endpoint needs the admin API key as a bearer token.', {
        headers: { 'WWW-Authenticate': 'Bearer realm="broker-admin"' },
      }),
    );
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
