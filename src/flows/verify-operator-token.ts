import type { BrokerDeps } from '../deps.js';
import type { OperatorConfig } from '../config/index.js';
import { awaitsOperator, fallbackRequired, verified, type Transition } from '../domain/lifecycle.js';
import { event, type Verification } from '../domain/verification.js';
import { OperatorFailure } from '../operator/failure.js';
import { maskPhoneNumber } from '../phone.js';
import { applyOrReadLatest } from './verifications.js';

export type OperatorTokenDeps = Pick<BrokerDeps, 'store' | 'metrics' | 'operators' | 'logger' | 'now'>;

/**
 * Finishes, inside the start, the silent leg of a verification an application's backend started with an operator
 * token (TS.43) its app obtained, at an operator that takes one (tokenAcquisition `ciba` or `jwt_bearer`).
 *
 * Rules:
 * - the verification was written `silent_auth_in_progress` by the start; the operator gives an access token for
 *   the subscriber behind the operator token (CIBA poll or JWT-bearer, operator/), and Number Verification says
 *   whether that subscriber holds the number: each call bounded by OPERATOR_TIMEOUT_MS, CIBA's polls by a few
 *   of them (operator/ciba.ts), so the start answers within seconds;
 * - a match verifies it for the application that started it: there is no device redirect to relay, so no
 *   completion code; the operator token is the device's proof, as the session coming back is in /callback;
 * - no match → fallback_required `number_mismatch`; a refused token → `access_denied`; a timeout, an unreachable
 *   or failing operator → their reasons; the workflow then goes on as after any silent leg (`/next` → SMS);
 * - the outcome applies only while the silent leg is still open: a backend that moved on meanwhile (`/next`, a
 *   DELETE, the workflow's timeout read) keeps what it got, and the answer is the latest record;
 * - the operator token and what the operator issued stay here: never stored, never logged, never answered.
 */
export async function verifyOperatorToken(
  deps: OperatorTokenDeps,
  started: Verification,
  operator: OperatorConfig,
  proof: { operatorToken: string; correlator: string },
): Promise<Verification> {
  const log = deps.logger.child({ verificationId: started.id, operator: operator.id, correlator: proof.correlator });
  try {
    const accessToken = await deps.operators.accessTokenForOperatorToken(operator, proof.operatorToken);
    const tokenEvent = event('token_exchanged', undefined, deps.now());
    const match = await deps.operators.isNumberOnDevice(operator, accessToken, started.phoneNumber, proof.correlator);
    const done = deps.now();
    const checked = [tokenEvent, event('number_checked', { match }, done)];
    if (!match) {
      log.info({ phoneNumber: maskPhoneNumber(started.phoneNumber) }, 'the operator token belongs to another number');
      return await applyOrReadLatest(deps, started.id, whileSilent(fallbackRequired(done, 'number_mismatch', {}, checked)));
    }
    return await applyOrReadLatest(deps, started.id, whileSilent(verified(done, 'silent_auth', checked)));
  } catch (err) {
    if (!(err instanceof OperatorFailure)) throw err;
    log.warn({ reason: err.reason, detail: err.detail, err: err.message }, 'operator token verification did not complete');
    return applyOrReadLatest(deps, started.id, whileSilent(fallbackRequired(deps.now(), err.reason, err.detail)));
  }
}

/** `verified` accepts a verification on the SMS leg too (a right code): this outcome is the silent leg's only. */
function whileSilent(transition: Transition): Transition {
  return (current) => (awaitsOperator(current) ? transition(current) : undefined);
}
