import type { BrokerDeps } from '../deps.js';
import { event, type Verification } from '../domain/verification.js';
import { InvalidArgument, NotFound, VerificationExpired } from '../errors.js';
import { OperatorFailure } from '../operator/failure.js';
import { maskPhoneNumber } from '../phone.js';
import { fallbackRequired, isPastExpiry, verified } from './outcomes.js';

/**
 * Finishes the silent leg when the operator redirects the device back to /callback.
 *
 * Rules:
 * - `state` must be one we issued and not yet used: it is consumed atomically, so a replay (on any
 *   instance) is refused and changes nothing.
 * - the verification must still be in progress and not expired; otherwise the callback is refused.
 * - openid-client checks the rest: `iss` (RFC 9207), the code exchange with the PKCE verifier and our
 *   client assertion, and the ID token (signature against the operator's JWKS, iss, aud, exp, nonce).
 *   A callback failing those checks is refused (400) and its verification falls back to SMS, since its
 *   one authorization attempt is spent.
 * - an `error` from the operator (access_denied: the device is not on its mobile network), a false
 *   match, a 403 "not authenticated by mobile network", a 5xx or a timeout → fallback_required.
 * Nothing the operator issued (code, tokens) leaves this function.
 */
export async function completeSilentAuth(deps: BrokerDeps, query: URLSearchParams, correlator: string): Promise<Verification> {
  const state = query.get('state');
  if (!state) throw new InvalidArgument('The callback has no state parameter.');
  const auth = await deps.store.consumeAuthorizationState(state);
  if (!auth) throw new InvalidArgument('Unknown or already used state.');
  const current = await deps.store.getVerification(auth.verificationId);
  if (!current) throw new NotFound('The verification no longer exists.');
  const now = deps.now();
  if (isPastExpiry(current, now)) throw new VerificationExpired();
  if (current.status !== 'silent_auth_in_progress') throw new InvalidArgument('The verification is not waiting for the operator.');
  const operator = deps.operators.byId(auth.operatorId);
  if (!operator) throw new NotFound('The operator of this verification is no longer configured.');

  const log = deps.logger.child({ verificationId: current.id, operator: operator.id, correlator });
  const callbackEvent = event('callback_received', query.has('error') ? { error: query.get('error')! } : undefined, now);

  const operatorError = query.get('error');
  if (operatorError) {
    const reason = operatorError === 'access_denied' ? 'access_denied' : 'authorization_error';
    log.info({ reason }, 'operator refused network authentication');
    return apply(deps, current.id, fallbackRequired(now, reason, { error: operatorError.slice(0, 64) }, [callbackEvent]));
  }

  try {
    const accessToken = await deps.operators.exchangeCode(operator, query, auth);
    const tokenEvent = event('token_exchanged', undefined, deps.now());
    const match = await deps.operators.isNumberOnDevice(operator, accessToken, current.phoneNumber, correlator);
    const done = deps.now();
    if (!match) {
      log.info({ phoneNumber: maskPhoneNumber(current.phoneNumber) }, 'operator says the device holds another number');
      return apply(deps, current.id, fallbackRequired(done, 'number_mismatch', {}, [callbackEvent, tokenEvent, event('number_checked', { match: false }, done)]));
    }
    return apply(deps, current.id, verified(done, 'silent_auth', [callbackEvent, tokenEvent, event('number_checked', { match: true }, done)]));
  } catch (err) {
    if (!(err instanceof OperatorFailure)) throw err;
    log.warn({ reason: err.reason, detail: err.detail, err: err.message }, 'silent verification did not complete');
    const next = await apply(deps, current.id, fallbackRequired(deps.now(), err.reason, err.detail, [callbackEvent]));
    if (err.reason === 'invalid_operator_response') throw new InvalidArgument('The callback failed validation.', { verificationId: next.id });
    return next;
  }
}

async function apply(deps: BrokerDeps, id: string, change: Parameters<BrokerDeps['store']['updateVerification']>[1]): Promise<Verification> {
  const next = await deps.store.updateVerification(id, change);
  if (next) return next;
  const latest = await deps.store.getVerification(id);
  if (!latest) throw new NotFound('The verification no longer exists.');
  return latest;
}
