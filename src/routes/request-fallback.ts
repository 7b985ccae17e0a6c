import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../deps.js';
import { requestFallback } from '../flows/otp/request-fallback.js';
import { callerOwnerId, endUserIpOf, viewFor } from '../http/caller.js';

/** POST /v1/verifications/:id/fallback: switch to the SMS code now. */
export function fallback(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const verification = await requestFallback(deps, String(req.params.id), callerOwnerId(req), { clientIp: endUserIpOf(req) });
    res.set('Cache-Control', 'no-store').status(202).json(viewFor(req, deps, verification));
  };
}
