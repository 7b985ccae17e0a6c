import type { OperatorConfig } from '../config/index.js';
import type { BrokerDeps } from '../deps.js';
import { awaitsOperator } from '../domain/lifecycle.js';
import { event, type AuthorizationState, type Verification } from '../domain/verification.js';
import { OperatorFailure } from '../operator/failure.js';
import { applyTransition } from './verifications.js';

export const SECOND_ATTEMPT_EVENT = 'second_attempt';

type SecondAttemptDeps = Pick<BrokerDeps, 'store' | 'operators' | 'logger' | 'metrics' | 'now'>;

/**
 * After the first operator said "not this SIM", one more silent attempt at the next candidate
 * (BROKER_CONFIG telcoFinder.secondAttempt): a ported number whose Telco Finder answer was stale, or that Telco
 * Finder could not place, costs the user a redirect instead of an SMS.
 *
 * Rules:
 * - only when configured, and at most once per verification (the `second_attempt` event says it was made);
 * - the next candidate is the first of resolve()'s (Telco Finder, then prefix) that is not the operator that
 *   answered the mismatch, and whose authorization request can be built;
 * - the verification stays silent_auth_in_progress, records the event and its new operator; a fresh state,
 *   nonce and PKCE verifier, expiring when the first one did, single-use like any state;
 * - anything else (no candidate, discovery failed, the verification moved on meanwhile): undefined, and the
 *   caller falls back as before.
 * The store writes an authorization state only with a new verification, so this one is kept in the key-value
 * space, consumed once through an atomic counter (consumeSecondAttemptState).
 */
export async function trySecondAttempt(
  deps: SecondAttemptDeps,
  current: Verification,
  tried: OperatorConfig,
  first: Pick<AuthorizationState, 'expiresAt'>,
  now: Date,
  events: Verification['events'],
): Promise<{ verification: Verification; redirectTo: string } | undefined> {
  if (!deps.operators.secondAttempt || current.events.some((e) => e.type === SECOND_ATTEMPT_EVENT)) return undefined;
  const next = (await deps.operators.resolve(current.phoneNumber)).find((op) => op.id !== tried.id);
  if (!next) return undefined;
  let begun: Awaited<ReturnType<SecondAttemptDeps['operators']['beginAuthorization']>>;
  try {
    begun = await deps.operators.beginAuthorization(next, current.phoneNumber);
  } catch (err) {
    if (!(err instanceof OperatorFailure)) throw err;
    return undefined;
  }
  const ttlMs = Date.parse(first.expiresAt) - now.getTime();
  if (ttlMs <= 0) return undefined;
  const state: AuthorizationState = { ...begun.authState, verificationId: current.id, expiresAt: first.expiresAt };
  await deps.store.keyValue.set(stateKey(state.state), Buffer.from(JSON.stringify(state)), ttlMs);
  const moved = event(SECOND_ATTEMPT_EVENT, { from: tried.id, to: next.id }, now);
  const updated = await applyTransition(deps, current.id, (v) =>
    awaitsOperator(v) && !v.events.some((e) => e.type === SECOND_ATTEMPT_EVENT)
      ? { next: { ...v, operatorId: next.id, updatedAt: now.toISOString(), events: [...v.events, ...events, moved] } }
      : undefined,
  );
  if (!updated) return undefined;
  deps.logger.info({ verificationId: current.id, from: tried.id, to: next.id }, 'mismatch at the first operator: trying the next candidate');
  return { verification: updated, redirectTo: begun.url };
}

/** A second attempt's state, once: the first caller to count it gets it, on any instance; then it is gone. */
export async function consumeSecondAttemptState(deps: Pick<BrokerDeps, 'store'>, state: string): Promise<AuthorizationState | undefined> {
  const stored = await deps.store.keyValue.get(stateKey(state));
  if (!stored) return undefined;
  const auth = JSON.parse(stored.toString('utf8')) as AuthorizationState;
  const ttlMs = Math.max(1000, Date.parse(auth.expiresAt) - Date.now());
  const { value } = await deps.store.keyValue.increment(`tf:st-used:${state}`, 1, ttlMs);
  if (value !== 1) return undefined;
  await deps.store.keyValue.delete(stateKey(state));
  return auth;
}

function stateKey(state: string): string {
  return `tf:st:${state}`;
}
