import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { BrokerError } from '../errors.js';

/**
 * Guards an endpoint with one API key sent as a bearer token. Each role has its own key (the admin key,
 * the WSO2 key, the Cloud Softphone provisioning key: see src/keys/secrets.ts), so a key that leaks from
 * one integration opens nothing of the others.
 *
 * Rules:
 * - the caller sends `Authorization: Bearer <key>`;
 * - the comparison takes the same time whatever the key sent: both sides are hashed to equal lengths and
 *   compared with timingSafeEqual, so neither the key nor its length leaks through timing;
 * - anything else (no header, another scheme, another role's key) is a 401 UNAUTHENTICATED with
 *   `WWW-Authenticate: Bearer realm="<realm>"`, and the request goes no further; the facade's error handler
 *   writes it in that facade's own format.
 * @see RFC 6750 §3 (WWW-Authenticate for bearer tokens)
 */
export function apiKeyAuth(key: string, options: { realm: string; keyName: string }): RequestHandler {
  return (req, _res, next) => {
    if (presentsKey(req.get('authorization'), key)) return next();
    next(
      new BrokerError(401, 'UNAUTHENTICATED', `This endpoint needs the ${options.keyName} as a bearer token.`, {
        headers: { 'WWW-Authenticate': `Bearer realm="${options.realm}"` },
      }),
    );
  };
}

/** whether an Authorization header is `Bearer <key>`, compared as the rules above say (for endpoints that answer more to the key) */
export function presentsKey(authorization: string | undefined, key: string): boolean {
  const token = bearerTokenOf(authorization);
  return token !== undefined && timingSafeEqual(digest(token), digest(key));
}

/** The token of an `Authorization: Bearer <token>` header (printable ASCII, no spaces), else undefined. */
export function bearerTokenOf(authorization: string | undefined): string | undefined {
  return /^Bearer ([\x21-\x7e]+)$/.exec(authorization ?? '')?.[1];
}

export function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
