import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../deps.js';
import { requestFallback } from '../flows/otp/request-fallback.js';
import { verificationView } from '../flows/read-verification.js';

/** POST /v1/verifications/:id/fallback: switch to the SMS code now. */
export function fallback(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const verification = await requestFallback(deps, String(req.params.id), req.session.ownerId, { clientIp: req.ip ?? 'unknown' });
    res.set('Cache-Control', 'no-store').status(202).json(verificationView(verification, deps.config.otp));
  };
}
