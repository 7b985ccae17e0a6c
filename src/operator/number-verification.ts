import { createHash } from 'node:crypto';
import type { OperatorConfig } from '../config/index.js';
import { OperatorFailure } from './failure.js';
import { ResponseTooLarge, type LeanHttp, type LeanRequest, type LeanResponse } from './lean-http.js';

/**
 * Asks the operator whether the device behind the access token holds `phoneNumber`.
 *
 * - mode `verify`: POST {apiRoot}{version}/verify with exactly one of phoneNumber or hashedPhoneNumber
 *   (lowercase hex SHA-256 of +E164) and read devicePhoneNumberVerified.
 * - mode `device-phone-number`: GET {apiRoot}{version}/device-phone-number; the broker compares.
 * - Errors: CAMARA {status, code, message}; Orange's numeric {code, message, description} too.
 * @see CAMARA Number Verification v2.1.0, /verify and /device-phone-number
 */
export async function isNumberOnDevice(
  http: LeanHttp,
  operator: OperatorConfig,
  input: { accessToken: string; phoneNumber: string; correlator: string; timeoutMs: number },
): Promise<boolean> {
  const base = `${operator.apiRoot}${operator.apiVersionPath}`;
  const headers = { authorization: `Bearer ${input.accessToken}`, 'x-correlator': input.correlator, accept: 'application/json' };
  const request: LeanRequest =
    operator.mode === 'verify'
      ? { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(verifyBody(operator, input.phoneNumber)), timeoutMs: input.timeoutMs }
      : { method: 'GET', headers, timeoutMs: input.timeoutMs };

  const response = await callOperator(http, operator.mode === 'verify' ? `${base}/verify` : `${base}/device-phone-number`, request);
  const data = parseJson(response.body);
  if (response.status !== 200) throw failureFromResponse(response.status, data);

  if (operator.mode === 'verify') {
    const verified = data?.devicePhoneNumberVerified;
    if (typeof verified !== 'boolean') throw new OperatorFailure('operator_error', 'verify answer without devicePhoneNumberVerified');
    return verified;
  }
  const devicePhoneNumber = data?.devicePhoneNumber;
  if (typeof devicePhoneNumber !== 'string') throw new OperatorFailure('operator_error', 'device-phone-number answer without devicePhoneNumber');
  return devicePhoneNumber === input.phoneNumber;
}

export function hashPhoneNumber(phoneNumber: string): string {
  return createHash('sha256').update(phoneNumber).digest('hex');
}

function verifyBody(operator: OperatorConfig, phoneNumber: string) {
  return operator.hashPhoneNumber ? { hashedPhoneNumber: hashPhoneNumber(phoneNumber) } : { phoneNumber };
}

async function callOperator(http: LeanHttp, url: string, request: LeanRequest): Promise<LeanResponse> {
  try {
    return await http.request(url, request);
  } catch (err) {
    if ((err as { name?: string }).name === 'TimeoutError') {
      throw new OperatorFailure('operator_timeout', 'the operator did not answer in time', {}, { cause: err });
    }
    // an answer of that size is no CAMARA answer: a broken operator, not one that is down
    if (err instanceof ResponseTooLarge) throw new OperatorFailure('operator_error', err.message, {}, { cause: err });
    const code = (err as { code?: string }).code;
    throw new OperatorFailure('operator_unavailable', `cannot reach the operator (${code ?? 'network error'})`, {}, { cause: err });
  }
}

type OperatorAnswer = Record<string, unknown> | undefined;

/** Like axios did: the body as JSON when it parses, whatever the content-type says; otherwise nothing. */
function parseJson(body: Buffer): OperatorAnswer {
  try {
    const data: unknown = JSON.parse(body.toString('utf8'));
    return typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Maps an operator error answer onto a fallback reason, keeping the operator's own code for the event. */
function failureFromResponse(status: number, body: OperatorAnswer = {}): OperatorFailure {
  const code = body.code !== undefined ? String(body.code) : `HTTP_${status}`;
  const detail = { status, operatorCode: code };
  if (code === 'NUMBER_VERIFICATION.USER_NOT_AUTHENTICATED_BY_MOBILE_NETWORK') {
    return new OperatorFailure('not_authenticated_by_mobile_network', 'the operator did not authenticate the device by its mobile network', detail);
  }
  if (status >= 500 || status === 429 || code === '53') {
    return new OperatorFailure('operator_unavailable', `the operator answered ${status}`, detail);
  }
  return new OperatorFailure('operator_error', `the operator refused the request (${status} ${code})`, detail);
}
