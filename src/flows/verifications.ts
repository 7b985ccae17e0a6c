import type { BrokerDeps } from '../deps.js';
import { currentChannel, fallbackStep, isFinal, isOwnedBy, type Transition } from '../domain/lifecycle.js';
import type { AuthorizationState, Verification } from '../domain/verification.js';
import type { SessionBinding } from '../store/store.js';
import { NotFound, PermissionDenied } from '../errors.js';
import { bindVerificationToLog } from '../logging.js';
import type { Metrics } from '../metrics/index.js';
import type { VerificationOutcome } from '../metrics/metrics.js';

/**
 * How every use case reads and writes verifications. Besides the store call, each write says what happened, so
 * metrics and log context come from here (one place for the native API and every facade), not from a wrapper
 * around the store:
 * - a verification saved is `started`: silent_auth when an operator's request went out, else sms_otp (and, when
 *   it starts fallback_required, a fallback by reason);
 * - a transition that was written (not declined, not lost to a race: the store may run a transition again and
 *   only its last answer is written) and moved the status from the silent leg to fallback_required counts a
 *   fallback, by reason; to verified, failed or expired counts a finished verification;
 * - the request being handled is marked as being about the verification it reads or writes, so its log lines
 *   carry the verificationId.
 */
export type VerificationDeps = Pick<BrokerDeps, 'store' | 'metrics'>;

/**
 * Saves a new verification in one durable write, with its authorization state (when the silent leg starts) and
 * the session that binds the caller's cookie to it (when there is one).
 */
export async function saveNewVerification(deps: VerificationDeps, verification: Verification, also: { authorization?: AuthorizationState; session?: SessionBinding } = {}): Promise<void> {
  bindVerificationToLog(verification.id);
  await deps.store.verifications.create(verification, also);
  const channel = currentChannel(verification);
  deps.metrics.verificationStarted(channel === 'sms' || channel === undefined ? 'sms_otp' : channel);
  // a start without a silent leg (WiFi, no operator, discovery failed) is a fallback from the outset
  if (verification.status === 'fallback_required') deps.metrics.fallbackRequired(verification.reason ?? 'unknown');
}

export async function loadVerification(deps: Pick<BrokerDeps, 'store'>, id: string): Promise<Verification | undefined> {
  bindVerificationToLog(id);
  return deps.store.verifications.get(id);
}

/**
 * The verification, for the session (or facade token, or user) bound to it. Another caller learns nothing: not
 * even whether the id exists (403 and 404 carry no detail).
 */
export async function loadOwnedVerification(deps: Pick<BrokerDeps, 'store'>, id: string, ownerId: string | undefined): Promise<Verification> {
  const verification = await loadVerification(deps, id);
  if (!verification) throw new NotFound('The verification does not exist.');
  if (!isOwnedBy(verification, ownerId)) throw new PermissionDenied('This verification belongs to another session or application.');
  return verification;
}

/** Applies a transition atomically; undefined when the verification is gone or the transition declined. */
export async function applyTransition(deps: VerificationDeps, id: string, transition: Transition): Promise<Verification | undefined> {
  bindVerificationToLog(id);
  let written: { from: Verification; to: Verification } | undefined;
  const result = await deps.store.verifications.update(id, (current) => {
    const outcome = transition(current);
    written = outcome && { from: current, to: outcome.next };
    return outcome;
  });
  if (result && written) countTransition(deps.metrics, written.from, written.to);
  return result;
}

/** Applies a transition; when it declined (a race, a late call), the latest record is the answer. */
export async function applyOrReadLatest(deps: VerificationDeps, id: string, transition: Transition): Promise<Verification> {
  const next = (await applyTransition(deps, id, transition)) ?? (await deps.store.verifications.get(id));
  if (!next) throw new NotFound('The verification no longer exists.');
  return next;
}

function countTransition(metrics: Metrics, from: Verification, to: Verification): void {
  if (from.status === to.status) return;
  if (to.status === 'fallback_required' && fallbackStep(from) === 'leave_silent') metrics.fallbackRequired(to.reason ?? 'unknown');
  if (isFinal(to.status) && !isFinal(from.status)) metrics.verificationFinished(to.method, to.status as VerificationOutcome);
}
