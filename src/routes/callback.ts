import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../deps.js';
import { completeSilentAuth } from '../flows/complete-silent-auth.js';
import { beginSmsFallback } from '../flows/otp/begin-fallback.js';
import { verificationView } from '../flows/read-verification.js';

/**
 * GET /callback: the operator's redirect. Browsers are sent on to the verification's returnUrl (checked
 * against the allowed prefixes when the verification was created) or the sample result page, with only
 * verificationId and status in the query; `Accept: application/json` gets the verification instead.
 * When the silent leg could not prove the number, the SMS leg starts here, before answering.
 */
export function callback(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const query = new URLSearchParams(req.url.split('?')[1] ?? '');
    const completed = await completeSilentAuth(deps, query, req.correlator);
    const verification = await beginSmsFallback(deps, completed, { clientIp: req.ip ?? 'unknown' });
    res.set('Cache-Control', 'no-store');
    if (req.accepts(['html', 'json']) === 'json') return res.json(verificationView(verification, deps.config.otp));
    const target = new URL(verification.returnUrl ?? `${deps.config.publicUrl}/${nextPage(verification.status)}`);
    target.searchParams.set('verificationId', verification.id);
    target.searchParams.set('status', verification.status);
    res.redirect(302, target.href);
  };
}

function nextPage(status: string): string {
  return status === 'otp_sent' || status === 'fallback_required' ? 'otp.html' : 'result.html';
}
