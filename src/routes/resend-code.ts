import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../deps.js';
import { resendCode as resend } from '../flows/otp/request-fallback.js';
import { callerOwnerId, endUserIpOf, viewFor } from '../http/caller.js';

/** POST /v1/verifications/:id/resend: a new code, within the cooldown and send limits. */
export function resendCode(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const verification = await resend(deps, String(req.params.id), callerOwnerId(req), { clientIp: endUserIpOf(req) });
    const view = viewFor(req, deps, verification);
    res.set('Cache-Control', 'no-store').status(202).json({ ...view.otp, verification: view });
  };
}
