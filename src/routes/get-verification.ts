import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../deps.js';
import { readVerification } from '../flows/read-verification.js';
import { callerOwnerId, viewFor } from '../http/caller.js';

/**
 * GET /v1/verifications/:id, for the session (or the application) that started it. Once verified (and for
 * SESSION_TOKEN_TTL_SECONDS after), the answer carries `sessionToken` for the app to hand to its backend.
 */
export function getVerification(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const { verification, sessionToken } = await readVerification(deps, String(req.params.id), callerOwnerId(req));
    res.set('Cache-Control', 'no-store').json({ ...viewFor(req, deps, verification), ...(sessionToken && { sessionToken }) });
  };
}
