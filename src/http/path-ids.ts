import type { RequestHandler } from 'express';
import { NotFound } from '../errors.js';

export { VERIFICATION_ID } from '../domain/verification.js';
/** `msg_` + 16 random bytes, or 22 characters of a SHA-256, in base64url (webhooks/events.ts, compat/wso2/users.ts) */
export const DELIVERY_ID = /^msg_[A-Za-z0-9_-]{22}$/;

/**
 * Path id rules: an `:id` is checked against the format its generator produces before anything reads the
 * store, so a hostile id (`open`, `recent`, `../x`, 10 kB of text) never becomes a store key, and the
 * answer for it is the same 404 NOT_FOUND as for a well-formed id that names nothing: the caller learns
 * nothing about the store's layout.
 */
export function requirePathId(format: RegExp, what: string): RequestHandler {
  return (req, _res, next) => {
    if (!format.test(String(req.params.id))) return next(new NotFound(`No such ${what}.`));
    next();
  };
}
