import { createHash } from 'node:crypto';
import type { AxiosInstance, AxiosResponse } from 'axios';
import type { OperatorConfig } from '../config/index.js';
import { OperatorFailure } from './failure.js';

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
  http: AxiosInstance,
  operator: OperatorConfig,
  input: { accessToken: string; phoneNumber: string; correlator: string; timeoutMs: number },
): Promise<boolean> {
  const base = `${operator.apiRoot}${operator.apiVersionPath}`;
  const headers = { authorization: `Bearer ${input.accessToken}`, 'x-correlator': input.correlator, accept: 'application/json' };
  const request = { headers, timeout: input.timeoutMs, validateStatus: () => true, maxRedirects: 0 };

  const response = await callOperator(() =>
    operator.mode === 'verify'
      ? http.post(`${base}/verify`, verifyBody(operator, input.phoneNumber), request)
      : http.get(`${base}/device-phone-number`, request),
  );
  if (response.status !== 200) throw failureFromResponse(response);

  if (operator.mode === 'verify') {
    const verified = response.data?.devicePhoneNumberVerified;
    if (typeof verified !== 'boolean') throw new OperatorFailure('operator_error', 'verify answer without devicePhoneNumberVerified');
    return verified;
  }
  const devicePhoneNumber = response.data?.devicePhoneNumber;
  if (typeof devicePhoneNumber !== 'string') throw new OperatorFailure('operator_error', 'device-phone-number answer without devicePhoneNumber');
  return devicePhoneNumber === input.phoneNumber;
}

export function hashPhoneNumber(phoneNumber: string): string {
  return createHash('sha256').update(phoneNumber).digest('hex');
}

function verifyBody(operator: OperatorConfig, phoneNumber: string) {
  return operator.hashPhoneNumber ? { hashedPhoneNumber: hashPhoneNumber(phoneNumber) } : { phoneNumber };
}

async function callOperator(call: () => Promise<AxiosResponse>): Promise<AxiosResponse> {
  try {
    return await call();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
      throw new OperatorFailure('operator_timeout', 'the operator did not answer in time', {}, { cause: err });
    }
    throw new OperatorFailure('operator_unavailable', `cannot reach the operator (${code ?? 'network error'})`, {}, { cause: err });
  }
}

/** Maps an operator error answer onto a fallback reason, keeping the operator's own code for the event. */
function failureFromResponse(response: AxiosResponse): OperatorFailure {
  const body = response.data ?? {};
  const code = body.code !== undefined ? String(body.code) : `HTTP_${response.status}`;
  const detail = { status: response.status, operatorCode: code };
  if (code === 'NUMBER_VERIFICATION.USER_NOT_AUTHENTICATED_BY_MOBILE_NETWORK') {
    return new OperatorFailure('not_authenticated_by_mobile_network', 'the operator did not authenticate the device by its mobile network', detail);
  }
  if (response.status >= 500 || response.status === 429 || code === '53') {
    return new OperatorFailure('operator_unavailable', `the operator answered ${response.status}`, detail);
  }
  return new OperatorFailure('operator_error', `the operator refused the request (${response.status} ${code})`, detail);
}
