import { allowsSms, fallbackRequired, fallbackStep } from '../../domain/lifecycle.js';
import type { Verification } from '../../domain/verification.js';
import { Conflict } from '../../errors.js';
import type { FallbackReason } from '../../operator/failure.js';
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
  // checked before the silent leg is left: a refusal changes nothing
  if (!allowsSms(current)) throw new Conflict('The workflow of this verification has no sms channel.');
  return leaveSilentLegThenSend(deps, current, 'user_requested', ctx);
}

/**
 * POST /v1/verifications/{id}/next: an application's backend moves its verification to the workflow's next
 * channel now (Vonage Verify v2's next_workflow).
 *
 * Rules:
 * - only the starter (the application, or the session) may;
 * - on the silent leg (the operator's answer or the completion code awaited), with `sms` next: the silent leg is
 *   abandoned (reason `next_channel`) and the code is sent, as /fallback does;
 * - `fallback_required` (the silent leg ended and nothing was sent: a GET never sends) with `sms` in the workflow:
 *   the code is sent;
 * - a code already out (use /resend for another), a workflow without `sms`, a finished verification: 409
 *   CONFLICT, and nothing changes.
 */
export async function moveToNextChannel(deps: SendDeps, id: string, ownerId: string | undefined, ctx: SendContext): Promise<Verification> {
  const current = await loadOwnedVerification(deps, id, ownerId);
  const step = fallbackStep(current);
  if (step === 'finished') throw new Conflict(`The verification is already ${current.status}.`);
  if (step === 'already_sent' || !allowsSms(current)) throw new Conflict('The workflow of this verification has no next channel.');
  return leaveSilentLegThenSend(deps, current, 'next_channel', ctx);
}

async function leaveSilentLegThenSend(deps: SendDeps, current: Verification, reason: FallbackReason, ctx: SendContext): Promise<Verification> {
  if (fallbackStep(current) === 'leave_silent' && !(await applyTransition(deps, current.id, fallbackRequired(deps.now(), reason)))) {
    throw new Conflict('The verification changed; read it again.');
  }
  return sendCode(deps, current.id, ctx);
}

/** POST /v1/verifications/{id}/resend: a new code for the session's verification, within the cooldown and send limits. */
export async function resendCode(deps: SendDeps, id: string, ownerId: string | undefined, ctx: SendContext): Promise<Verification> {
  const owned = await loadOwnedVerification(deps, id, ownerId);
  return sendCode(deps, owned.id, ctx);
}
