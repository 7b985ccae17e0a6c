import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../deps.js';
import { verificationView } from '../flows/read-verification.js';

const RECENT = 50;

/**
 * GET /sandbox/verifications (sandbox only): the latest verifications of every session, newest first, for
 * the developer page. Same public view as GET /v1/verifications/:id: masked numbers, no code, no token.
 */
export function sandboxVerifications(deps: BrokerDeps): RequestHandler {
  return async (_req, res) => {
    const verifications = await deps.store.verifications.listRecent(RECENT);
    res.set('Cache-Control', 'no-store').json({ verifications: verifications.map((v) => verificationView(v, deps.config.otp)) });
  };
}
