import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../deps.js';
import { readVerification, verificationView } from '../flows/read-verification.js';

/**
 * GET /v1/verifications/:id, for the session that started it. Once verified (and for
 * SESSION_TOKEN_TTL_SECONDS after), the answer carries `sessionToken` for the app to hand to its backend.
 */
export function getVerification(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const { verification, sessionToken } = await readVerification(deps, String(req.params.id), req.session.ownerId);
    res.set('Cache-Control', 'no-store').json({ ...verificationView(verification, deps.config.otp), ...(sessionToken && { sessionToken }) });
  };
}
