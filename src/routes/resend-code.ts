import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../deps.js';
import { sendCode } from '../flows/otp/send-code.js';
import { readVerification, verificationView } from '../flows/read-verification.js';

/** POST /v1/verifications/:id/resend: a new code, within the cooldown and send limits. */
export function resendCode(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const owned = await readVerification(deps, String(req.params.id), req.session.ownerId);
    const verification = await sendCode(deps, owned.id, { clientIp: req.ip ?? 'unknown' });
    const view = verificationView(verification, deps.config.otp);
    res.set('Cache-Control', 'no-store').status(202).json({ ...view.otp, verification: view });
  };
}
