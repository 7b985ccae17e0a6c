import type { OperatorConfig } from '../config/index.js';
import { postCamara, type CamaraPost } from './camara-post.js';
import { OperatorFailure } from './failure.js';
import type { LeanHttp } from './lean-http.js';

/** Where the Number Recycling API lives under the operator's apiRoot. @see number-recycling.yaml v0.2.0 servers */
export const NUMBER_RECYCLING_PATH = '/number-recycling/v0.2';
export const NUMBER_RECYCLING_SCOPE = 'number-recycling:check';

/**
 * Asks the operator whether the number's subscriber changed after `specifiedDate`: `POST /number-recycling/v0.2/check`.
 *
 * Rules (the spec's identifier rules): with a 2-legged token `phoneNumber` is sent; with a 3-legged one it is
 * not (the token names the subscriber). `specifiedDate` is a full date (YYYY-MM-DD) not after today. An answer
 * without a boolean `phoneNumberRecycled` is an operator error; every failure is an OperatorFailure.
 * @see number-recycling.yaml v0.2.0, checkNumberRecycling
 */
export async function checkNumberRecycling(
  http: LeanHttp,
  operator: OperatorConfig,
  input: Omit<CamaraPost, 'body'> & { phoneNumber?: string; specifiedDate: string },
): Promise<boolean> {
  const { phoneNumber, specifiedDate, ...call } = input;
  const body = { ...(phoneNumber && { phoneNumber }), specifiedDate };
  const answer = await postCamara(http, `${operator.apiRoot}${NUMBER_RECYCLING_PATH}/check`, { ...call, body });
  if (typeof answer.phoneNumberRecycled !== 'boolean') throw new OperatorFailure('operator_error', 'Number Recycling answer without phoneNumberRecycled');
  return answer.phoneNumberRecycled;
}
