import type { BrokerDeps } from '../deps.js';
import { awaitsOperator, fallbackRequired, isPastExpiry, isSilentLegOver } from '../domain/lifecycle.js';
import type { Verification } from '../domain/verification.js';
import { Conflict, NotFound, SilentCheckTimedOut, VerificationExpired } from '../errors.js';
import { checkTokenMatches } from './check-url.js';
import { applyTransition, loadVerification } from './verifications.js';

/**
 * GET /v1/verifications/{id}/check?token=…: the device of an application's user opens the checkUrl its backend
 * got, over mobile data, and is sent on to the operator.
 *
 * Rules:
 * - the token must be this verification's (constant-time HMAC comparison); a wrong or missing one answers as for
 *   an unknown verification (404), so the URL cannot be guessed from an id;
 * - the verification must still wait for the operator, within its silent leg's timeout: past it, the silent leg
 *   ends (fallback_required, reason `silent_timeout`) and the answer is 410, so the app asks its backend for the
 *   next channel; any other status is a 409 naming it;
 * - opening it twice is harmless: it leads to the same authorization request, whose state is taken once.
 */
export async function openCheckUrl(deps: Pick<BrokerDeps, 'store' | 'metrics' | 'now' | 'sms'>, id: string, token: unknown): Promise<{ verification: Verification; authUrl: string }> {
  const verification = await loadVerification(deps, id);
  if (!verification?.backend?.authUrl || !checkTokenMatches(deps.sms.codeKey, id, token, verification.backend.checkTokenHash)) {
    throw new NotFound('No such verification.');
  }
  const now = deps.now();
  if (isPastExpiry(verification, now)) throw new VerificationExpired();
  if (isSilentLegOver(verification, now)) {
    await applyTransition(deps, id, fallbackRequired(now, 'silent_timeout'));
    throw new SilentCheckTimedOut();
  }
  if (!awaitsOperator(verification)) throw new Conflict(`The verification is ${verification.status}; its check URL leads nowhere now.`);
  return { verification, authUrl: verification.backend.authUrl };
}
