import type { BrokerDeps } from '../../deps.js';
import type { Verification } from '../../domain/verification.js';
import { BrokerError, Conflict, NotFound, PermissionDenied } from '../../errors.js';
import { fallbackRequired } from '../outcomes.js';
import { sendCode, type SendContext } from './send-code.js';

/**
 * Starts the SMS leg on its own when the silent leg could not prove the number. A refusal (limits,
 * blocked destination, providers down) is already recorded on the verification by sendCode; the
 * verification then stays in fallback_required and the app can ask again (resend) or show why.
 */
export async function beginSmsFallback(deps: BrokerDeps, verification: Verification, ctx: SendContext): Promise<Verification> {
  if (verification.status !== 'fallback_required') return verification;
  try {
    return await sendCode(deps, verification.id, ctx);
  } catch (err) {
    if (!(err instanceof BrokerError)) throw err;
    return (await deps.store.getVerification(verification.id)) ?? verification;
  }
}

/**
 * POST /v1/verifications/{id}/fallback: the app gave up waiting on the silent leg. The silent leg is
 * abandoned (its state can no longer verify, since the status moves on) and a code is sent.
 * Asking again once a code is out changes nothing and sends nothing.
 */
export async function requestFallback(deps: BrokerDeps, id: string, ownerId: string | undefined, ctx: SendContext): Promise<Verification> {
  const current = await deps.store.getVerification(id);
  if (!current) throw new NotFound('The verification does not exist.');
  if (!ownerId || current.ownerId !== ownerId) throw new PermissionDenied('This verification belongs to another session.');
  if (current.status === 'otp_sent') return current;
  if (current.status === 'pending' || current.status === 'silent_auth_in_progress' || current.status === 'awaiting_completion') {
    const moved = await deps.store.updateVerification(id, fallbackRequired(deps.now(), 'user_requested'));
    if (!moved) throw new Conflict('The verification changed; read it again.');
  } else if (current.status !== 'fallback_required') {
    throw new Conflict(`The verification is already ${current.status}.`);
  }
  return sendCode(deps, id, ctx);
}
