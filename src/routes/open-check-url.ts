import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../deps.js';
import { openCheckUrl as open } from '../flows/open-check-url.js';

/**
 * GET /v1/verifications/:id/check?token=…: the checkUrl an application's app opens on mobile data. The device's
 * session remembers the verification (so an operator error redirect without state ends its silent leg: see
 * flows/complete-callback.ts), then the device goes on to the operator.
 */
export function openCheckUrl(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const { verification, authUrl } = await open(deps, String(req.params.id), req.query.token);
    req.session.silentVerificationId = verification.id;
    req.session.checkedVerificationId = verification.id;
    res.set('Cache-Control', 'no-store').redirect(302, authUrl);
  };
}
