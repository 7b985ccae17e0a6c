import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../deps.js';
import { completeSilentAuth } from '../flows/complete-silent-auth.js';
import { verificationView } from '../flows/read-verification.js';

/**
 * GET /callback: the operator's redirect. Browsers are sent on to the verification's returnUrl (checked
 * against the allowed prefixes when the verification was created) or the sample result page, with only
 * verificationId and status in the query; `Accept: application/json` gets the verification instead.
 */
export function callback(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const query = new URLSearchParams(req.url.split('?')[1] ?? '');
    const verification = await completeSilentAuth(deps, query, req.correlator);
    res.set('Cache-Control', 'no-store');
    if (req.accepts(['html', 'json']) === 'json') return res.json(verificationView(verification));
    const target = new URL(verification.returnUrl ?? `${deps.config.publicUrl}/${nextPage(verification.status)}`);
    target.searchParams.set('verificationId', verification.id);
    target.searchParams.set('status', verification.status);
    res.redirect(302, target.href);
  };
}

function nextPage(status: string): string {
  return status === 'otp_sent' || status === 'fallback_required' ? 'otp.html' : 'result.html';
}
