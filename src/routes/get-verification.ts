import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../deps.js';
import { readVerification, verificationView } from '../flows/read-verification.js';

/** GET /v1/verifications/:id, for the session that started it. */
export function getVerification(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const verification = await readVerification(deps, String(req.params.id), req.session.ownerId);
    res.set('Cache-Control', 'no-store').json(verificationView(verification));
  };
}
