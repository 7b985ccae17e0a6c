import type { BrokerDeps } from '../deps.js';
import { event, type RiskSignals, type Verification } from '../domain/verification.js';
import { InvalidArgument, NotFound, VerificationExpired } from '../errors.js';
import { OperatorFailure } from '../operator/failure.js';
import { generateCompletionCode, hashCompletionCode } from '../otp/completion-code.js';
import { maskPhoneNumber } from '../phone.js';
import { awaitingCompletion, awaitsOperator, fallbackRequired, isOwnedBy, isPastExpiry, refusedForRisk, verified, withRisk } from '../domain/lifecycle.js';
import { storedApplication } from '../applications/registry.js';
import { assessRisk } from './risk/assess-risk.js';
import { consumeSecondAttemptState, trySecondAttempt } from './second-attempt.js';
import { applyOrReadLatest, applyTransition, loadVerification } from './verifications.js';

/** Who came back to /callback: the session its cookie carries (if any). */
export interface ReturningDevice {
  ownerId: string | undefined;
  /** the verification this session last sent to an operator (for an error redirect without state) */
  silentVerificationId?: string;
  /** the application's verification whose checkUrl this device opened */
  checkedVerificationId?: string;
  correlator: string;
}

export type CallbackDeps = Pick<BrokerDeps, 'config' | 'store' | 'metrics' | 'operators' | 'logger' | 'now' | 'sms'>;

export interface SilentOutcome {
  verification: Verification;
  /**
   * Present when the operator proved the number on a device that is not the starter's session: the only
   * copy of the completion code, for that device alone (never stored, never logged).
   */
  completionCode?: string;
  /** a second attempt at the next operator (second-attempt.ts): where the device goes now, still silent */
  redirectTo?: string;
}

/**
 * GET /callback: the operator's redirect back. With `state`, the silent leg finishes (completeSilentAuth); an
 * error redirect without it ends the pending attempt of the session that carries it (failSessionSilentAttempt).
 * Nothing here sends an SMS: any web page can make a browser GET /callback.
 */
export async function completeCallback(deps: CallbackDeps, query: URLSearchParams, device: ReturningDevice): Promise<SilentOutcome> {
  if (query.has('state')) return completeSilentAuth(deps, query, device);
  return { verification: await failSessionSilentAttempt(deps, query, device) };
}

/**
 * Finishes the silent leg when the operator redirects the device back to /callback.
 *
 * Rules:
 * - `state` must be one we issued and not yet used: it is consumed atomically, so a replay (on any
 *   instance) is refused and changes nothing.
 * - the verification must still be in progress and not expired; otherwise the callback is refused.
 * - openid-client checks the rest: `iss` (RFC 9207), the code exchange with the PKCE verifier and our
 *   client assertion, and the ID token (signature against the operator's JWKS, iss, aud, exp, nonce).
 *   A callback failing those checks is refused (400) and its verification needs the SMS fallback, since its
 *   one authorization attempt is spent.
 * - an `error` from the operator (access_denied: the device is not on its mobile network), a false
 *   match, a 403 "not authenticated by mobile network", a 5xx or a timeout → fallback_required. No SMS is
 *   sent here: /callback is a GET any web page can trigger; the app asks for the code with a JSON POST.
 * - relay: the number is verified for the starter only when the device that came back carries the session
 *   that started the verification. Any other device (another phone that was handed the authorization URL, or
 *   the same app's other HTTP client) gets a single-use completion code instead, and the verification waits
 *   for the starter to present it (POST /v1/verifications/{id}/code).
 * - a mismatch may be followed by one attempt at the next candidate operator (second-attempt.ts): the device
 *   is sent there, and the verification stays in progress.
 * - after a match, the fraud signals a policy asks for (risk/assess-risk.ts): a block fails the verification
 *   (SIM_SWAPPED, …) instead of verifying it; otherwise they are recorded on it, and carried by its token and webhook.
 * Nothing the operator issued (code, tokens) leaves this function.
 */
async function completeSilentAuth(deps: CallbackDeps, query: URLSearchParams, device: ReturningDevice): Promise<SilentOutcome> {
  const state = query.get('state');
  if (!state) throw new InvalidArgument('The callback has no state parameter.');
  const auth = (await deps.store.verifications.consumeAuthorization(state)) ?? (await consumeSecondAttemptState(deps, state));
  if (!auth) throw new InvalidArgument('Unknown or already used state.');
  const current = await loadVerification(deps, auth.verificationId);
  if (!current) throw new NotFound('The verification no longer exists.');
  const now = deps.now();
  if (isPastExpiry(current, now)) throw new VerificationExpired();
  if (!awaitsOperator(current)) throw new InvalidArgument('The verification is not waiting for the operator.');
  const operator = await deps.operators.find(auth.operatorId);
  if (!operator) throw new NotFound('The operator of this verification is no longer configured.');

  const log = deps.logger.child({ verificationId: current.id, operator: operator.id, correlator: device.correlator });
  const callbackEvent = event('callback_received', query.has('error') ? { error: query.get('error')! } : undefined, now);

  const operatorError = query.get('error');
  if (operatorError) {
    log.info({ reason: reasonOf(operatorError) }, 'operator refused network authentication');
    return { verification: await applyOrReadLatest(deps, current.id, fallbackRequired(now, reasonOf(operatorError), { error: operatorError.slice(0, 64) }, [callbackEvent])) };
  }

  try {
    const accessToken = await deps.operators.completeAuthorization(operator, query, auth);
    const tokenEvent = event('token_exchanged', undefined, deps.now());
    const match = await deps.operators.isNumberOnDevice(operator, accessToken, current.phoneNumber, device.correlator);
    const matched = deps.now();
    const numberChecked = [callbackEvent, tokenEvent, event('number_checked', { match }, matched)];
    if (!match) {
      const retried = await trySecondAttempt(deps, current, operator, auth, matched, numberChecked);
      if (retried) return retried;
      log.info({ phoneNumber: maskPhoneNumber(current.phoneNumber) }, 'operator says the device holds another number');
      return { verification: await applyOrReadLatest(deps, current.id, fallbackRequired(matched, 'number_mismatch', {}, numberChecked)) };
    }
    // the fraud signals (issue 17): a swapped SIM passes Number Verification, so they are asked after a match
    const risk = await assessRisk(deps, current, { channel: 'silent', operator, accessToken }, { correlator: device.correlator, application: await storedApplication(deps, current.applicationId) });
    const done = deps.now();
    const checked = [...numberChecked, ...risk.events];
    if (risk.refusal) return { verification: await applyOrReadLatest(deps, current.id, refusedForRisk(done, risk.refusal, risk.signals!, checked)) };
    if (isOwnedBy(current, device.ownerId)) {
      return { verification: await applyOrReadLatest(deps, current.id, withRisk(risk.signals, verified(done, 'silent_auth', checked))) };
    }
    return await handOverCompletionCode(deps, current, done, checked, risk.signals);
  } catch (err) {
    if (!(err instanceof OperatorFailure)) throw err;
    log.warn({ reason: err.reason, detail: err.detail, err: err.message }, 'silent verification did not complete');
    const next = await applyOrReadLatest(deps, current.id, fallbackRequired(deps.now(), err.reason, err.detail, [callbackEvent]));
    if (err.reason === 'invalid_operator_response') throw new InvalidArgument('The callback failed validation.', { verificationId: next.id });
    return { verification: next };
  }
}

/** The proof came back on another device: it gets the code, the verification waits for the starter to present it. */
async function handOverCompletionCode(deps: CallbackDeps, current: Verification, now: Date, events: Verification['events'], risk?: RiskSignals): Promise<SilentOutcome> {
  const code = generateCompletionCode();
  // short-lived: as long as an SMS code, never beyond the verification itself
  const expiresAt = new Date(Math.min(now.getTime() + deps.config.otp.ttlSeconds * 1000, Date.parse(current.expiresAt))).toISOString();
  const change = awaitingCompletion(now, { codeHash: hashCompletionCode(deps.sms.codeKey, current.id, code), expiresAt, attempts: 0 }, events);
  const next = await applyTransition(deps, current.id, withRisk(risk, change));
  if (next) return { verification: next, completionCode: code };
  // it changed meanwhile (expired, or the starter asked for SMS): the code was never stored, so it is not handed out
  const latest = await loadVerification(deps, current.id);
  if (!latest) throw new NotFound('The verification no longer exists.');
  return { verification: latest };
}

/**
 * An operator error redirect without `state` (seed 002 documents only `error` and `error_description`): the
 * pending silent attempt of the session that carries it needs the SMS fallback, instead of waiting until it
 * expires: the starter's session, or the device that opened an application's checkUrl. Without such a session
 * the callback is refused as before.
 */
async function failSessionSilentAttempt(deps: CallbackDeps, query: URLSearchParams, device: ReturningDevice): Promise<Verification> {
  const error = query.get('error');
  const verificationId = device.silentVerificationId;
  if (!error || !verificationId) throw new InvalidArgument('The callback has no state parameter.');
  const current = await loadVerification(deps, verificationId);
  const carried = current && (isOwnedBy(current, device.ownerId) || device.checkedVerificationId === current.id);
  if (!current || !carried || !awaitsOperator(current)) {
    throw new InvalidArgument('The callback has no state parameter.');
  }
  const now = deps.now();
  deps.logger.info({ verificationId: current.id, reason: reasonOf(error), correlator: device.correlator }, 'operator refused network authentication (no state)');
  const callbackEvent = event('callback_received', { error: error.slice(0, 64) }, now);
  return applyOrReadLatest(deps, current.id, fallbackRequired(now, reasonOf(error), { error: error.slice(0, 64) }, [callbackEvent]));
}

function reasonOf(operatorError: string) {
  return operatorError === 'access_denied' ? 'access_denied' : 'authorization_error';
}
