import * as client from 'openid-client';
import type { OperatorConfig } from '../config/index.js';
import { OperatorFailure } from './failure.js';
import { OPERATOR_TOKEN_PREFIX } from './operator-token.js';

/** how many OPERATOR_TIMEOUT_MS the whole CIBA exchange (request and polls) may take: a start answers within it */
export const CIBA_BUDGET_TIMEOUTS = 3;

/**
 * An access token through CIBA in poll mode, for the subscriber behind an operator token (TS.43) the app obtained.
 *
 * Rules:
 * - the login hint is only ever `operatortoken:<token>`: a `tel:` hint proves nothing for Number Verification
 *   (the token's number would be the hint itself), and the CAMARA profile allows CIBA for it only with an
 *   operator token; the scope is the operator's configured one; the client authenticates as at the token
 *   endpoint (clientAuthFor, through `config`);
 * - polling honours the operator's `interval` (5 s when absent, +5 s on `slow_down`: openid-client) and its
 *   `expires_in`, and the whole exchange, from the backchannel request to the last poll, is bounded by
 *   CIBA_BUDGET_TIMEOUTS × the operator timeout: a start waits for it, so it cannot wait long. When the operator's
 *   interval leaves no poll within that bound, it gives up at once instead of waiting for nothing;
 * - `access_denied`, and `unknown_user_id` (the operator knows no subscriber by that token) at the backchannel
 *   endpoint, are refusals (access_denied); `expired_token` and the bound are timeouts (operator_timeout); any
 *   other failure is left to the caller's mapping (token_exchange_failed, invalid_operator_response…).
 * @see OpenID Connect CIBA Core 1.0 §7, §10.1; CAMARA "CIBA flow with Operator Token"
 */
export async function cibaGrant(
  config: client.Configuration,
  operator: OperatorConfig,
  operatorToken: string,
  timeoutMs: number,
  /** the ID token's signature check (its claims openid-client checks) */
  checkIdToken: (idToken: string) => Promise<void>,
): Promise<string> {
  const deadline = Date.now() + CIBA_BUDGET_TIMEOUTS * timeoutMs;
  let started: client.BackchannelAuthenticationResponse;
  try {
    started = await client.initiateBackchannelAuthentication(config, { scope: operator.scope, login_hint: `${OPERATOR_TOKEN_PREFIX}${operatorToken}` });
  } catch (err) {
    throw refusal(err);
  }
  const budgetMs = Math.min(deadline - Date.now(), started.expires_in * 1000);
  if ((started.interval ?? 5) * 1000 >= budgetMs) {
    throw new OperatorFailure('operator_timeout', 'the operator asks for a polling interval longer than a start may wait', { interval: started.interval ?? 5 });
  }
  try {
    const tokens = await withinBudget(budgetMs, (signal) => client.pollBackchannelAuthenticationGrant(config, started, undefined, { signal }));
    if (tokens.id_token) await checkIdToken(tokens.id_token);
    return tokens.access_token;
  } catch (err) {
    throw refusal(err);
  }
}

/** The operator's answers that mean "not this subscriber" or "too late"; anything else is rethrown as it is. */
function refusal(err: unknown): unknown {
  if (!(err instanceof client.ResponseBodyError)) return err;
  const detail = { operatorCode: err.error.slice(0, 64) };
  if (err.error === 'expired_token') return new OperatorFailure('operator_timeout', 'the backchannel authentication expired', detail, { cause: err });
  if (err.error === 'access_denied' || err.error === 'unknown_user_id') {
    return new OperatorFailure('access_denied', 'the operator refused the operator token', detail, { cause: err });
  }
  return err;
}

/**
 * Runs the polls under a signal that aborts at the bound, and answers then even if openid-client is between two
 * polls (its wait checks the signal only every few seconds): the poll in flight is aborted with the signal.
 */
async function withinBudget<T>(budgetMs: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const reason = new DOMException(`no token within ${budgetMs} ms`, 'TimeoutError');
      controller.abort(reason);
      reject(reason);
    }, budgetMs);
  });
  const polling = run(controller.signal);
  // after the bound, the abandoned poll still settles (rejects) on its own: nobody waits for it
  polling.catch(() => undefined);
  try {
    return await Promise.race([polling, bound]);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
