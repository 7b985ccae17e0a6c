import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../deps.js';
import { cancelVerification as cancel } from '../flows/cancel-verification.js';
import { callerOwnerId, viewFor } from '../http/caller.js';

/** DELETE /v1/verifications/:id: cancels it; the answer is the verification, now `cancelled`. */
export function cancelVerification(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const verification = await cancel(deps, String(req.params.id), callerOwnerId(req));
    res.set('Cache-Control', 'no-store').json(viewFor(req, deps, verification));
  };
}
