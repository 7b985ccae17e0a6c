import type { OperatorConfig } from '../config/index.js';
import { postCamara, type CamaraPost } from './camara-post.js';
import { OperatorFailure } from './failure.js';
import type { LeanHttp } from './lean-http.js';

/** Where the SIM Swap API lives under the operator's apiRoot. @see sim-swap.yaml v2.1.0 servers */
export const SIM_SWAP_PATH = '/sim-swap/v2';
/** The scope of `POST /check`, asked in the 2-legged token, or in the Number Verification authorization (simSwapScope). */
export const SIM_SWAP_CHECK_SCOPE = 'sim-swap:check';

/**
 * Asks the operator whether the SIM of a line changed within the last `maxAgeHours`: `POST /sim-swap/v2/check`.
 *
 * Rules (the spec's identifier rules):
 * - with a 2-legged token (client credentials) the line is named in the body, `phoneNumber` (+E.164);
 * - with a 3-legged token (the Number Verification authorization, when it also granted `sim-swap:check`) the
 *   token names the line and `phoneNumber` must not be sent (the operator would answer 422 UNNECESSARY_IDENTIFIER);
 * - `maxAge` is the policy's maxAgeHours (1–2400);
 * - an answer without a boolean `swapped` is an operator error; every failure is an OperatorFailure.
 * @see sim-swap.yaml v2.1.0, checkSimSwap; info.description "Identifying the phone number from the access token"
 */
export async function checkSimSwap(
  http: LeanHttp,
  operator: OperatorConfig,
  input: Omit<CamaraPost, 'body'> & { phoneNumber?: string; maxAgeHours: number },
): Promise<boolean> {
  const { phoneNumber, maxAgeHours, ...call } = input;
  const body = { ...(phoneNumber && { phoneNumber }), maxAge: maxAgeHours };
  const answer = await postCamara(http, `${operator.apiRoot}${SIM_SWAP_PATH}/check`, { ...call, body });
  if (typeof answer.swapped !== 'boolean') throw new OperatorFailure('operator_error', 'SIM Swap check answer without swapped');
  return answer.swapped;
}
