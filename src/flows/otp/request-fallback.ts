import { fallbackRequired, fallbackStep } from '../../domain/lifecycle.js';
import type { Verification } from '../../domain/verification.js';
import { Conflict } from '../../errors.js';
import { applyTransition, loadOwnedVerification } from '../verifications.js';
import { sendCode, type SendContext, type SendDeps } from './send-code.js';

/**
 * POST /v1/verifications/{id}/fallback: the app asks for the SMS code (after fallback_required, or giving up on
 * the silent leg or on the completion code). A silent leg still open is abandoned first (its state can no longer
 * verify, since the status moves on); then a code is sent. Asking again once a code is out changes nothing and
 * sends nothing.
 */
export async function requestFallback(deps: SendDeps, id: string, ownerId: string | undefined, ctx: SendContext): Promise<Verification> {
  const current = await loadOwnedVerification(deps, id, ownerId);
  const step = fallbackStep(current);
  if (step === 'already_sent') return current;
  if (step === 'finished') throw new Conflict(`The verification is already ${current.status}.`);
  if (step === 'leave_silent' && !(await applyTransition(deps, id, fallbackRequired(deps.now(), 'user_requested')))) {
    throw new Conflict('The verification changed; read it again.');
  }
  return sendCode(deps, id, ctx);
}

/** POST /v1/verifications/{id}/resend: a new code for the session's verification, within the cooldown and send limits. */
export async function resendCode(deps: SendDeps, id: string, ownerId: string | undefined, ctx: SendContext): Promise<Verification> {
  const owned = await loadOwnedVerification(deps, id, ownerId);
  return sendCode(deps, owned.id, ctx);
}
