import type { Request, RequestHandler } from 'express';
import type { BrokerDeps } from '../deps.js';
import type { Verification } from '../domain/verification.js';
import { completeCallback, type SilentOutcome } from '../flows/complete-callback.js';
import { verificationView } from '../flows/read-verification.js';

/**
 * GET /callback: the operator's redirect. Browsers are sent on to the verification's returnUrl (checked
 * against the allowed prefixes when the verification was created) or the sample pages, with verificationId
 * and status in the query; `Accept: application/json` gets the verification instead.
 *
 * Rules:
 * - nothing here sends an SMS (any web page can make a browser GET this): a silent leg that did not prove the
 *   number leaves the verification fallback_required, and the app asks for the code with a JSON POST;
 * - a completion code (the proof came back on a device that is not the starter's session) goes to that
 *   device only: in the redirect to returnUrl as `code` (as Vonage Verify v2 does after check_url), in the
 *   JSON answer when there is no returnUrl, or in the fragment of the sample result page, which never reaches
 *   a server or its logs.
 */
export function callback(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const query = new URLSearchParams(req.url.split('?')[1] ?? '');
    const { ownerId, silentVerificationId, checkedVerificationId } = req.session;
    const outcome = await completeCallback(deps, query, { ownerId, silentVerificationId, checkedVerificationId, correlator: req.correlator });
    res.set('Cache-Control', 'no-store');
    answer(deps, req, res, outcome);
  };
}

function answer(deps: BrokerDeps, req: Request, res: Parameters<RequestHandler>[1], { verification, completionCode, redirectTo }: SilentOutcome) {
  // a second attempt: the device goes on to the next operator, whatever it accepts (it is following redirects)
  if (redirectTo) return res.redirect(302, redirectTo);
  const wantsJson = req.accepts(['html', 'json']) === 'json';
  if (wantsJson && !(completionCode && verification.returnUrl)) {
    return res.json({ ...verificationView(verification, deps.config.otp), ...(completionCode && { code: completionCode }) });
  }
  const target = new URL(verification.returnUrl ?? `${deps.config.publicUrl}/${nextPage(verification)}`);
  target.searchParams.set('verificationId', verification.id);
  target.searchParams.set('status', verification.status);
  if (completionCode && verification.returnUrl) target.searchParams.set('code', completionCode);
  else if (completionCode) target.hash = new URLSearchParams({ code: completionCode }).toString();
  res.redirect(302, target.href);
}

function nextPage(verification: Verification): string {
  return verification.status === 'otp_sent' || verification.status === 'fallback_required' ? 'otp.html' : 'result.html';
}
