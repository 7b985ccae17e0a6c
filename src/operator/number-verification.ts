import { createHash } from 'node:crypto';
import type { OperatorConfig } from '../config/index.js';
import { dpopProof, type DPoPKey } from './dpop.js';
import { OperatorFailure } from './failure.js';
import { ResponseTooLarge, type LeanHttp, type LeanRequest, type LeanResponse } from './lean-http.js';

/**
 * Asks the operator whether the device behind the access token holds `phoneNumber`.
 *
 * - mode `verify`: POST {apiRoot}{version}/verify with exactly one of phoneNumber or hashedPhoneNumber
 *   (lowercase hex SHA-256 of +E164) and read devicePhoneNumberVerified.
 * - mode `device-phone-number`: GET {apiRoot}{version}/device-phone-number; the broker compares.
 * - A DPoP-bound token (`dpop`, RFC 9449) goes as `Authorization: DPoP <token>` with a fresh proof; when the
 *   operator answers 401 `use_dpop_nonce` with a DPoP-Nonce, the call is made once more with that nonce.
 * - Errors: CAMARA {status, code, message}; Orange's numeric {code, message, description} too.
 * @see CAMARA Number Verification v2.1.0, /verify and /device-phone-number; RFC 9449 §7, §9
 */
export async function isNumberOnDevice(
  http: LeanHttp,
  operator: OperatorConfig,
  input: { accessToken: string; dpop?: DPoPKey; phoneNumber: string; correlator: string; timeoutMs: number },
): Promise<boolean> {
  const base = `${operator.apiRoot}${operator.apiVersionPath}`;
  const url = operator.mode === 'verify' ? `${base}/verify` : `${base}/device-phone-number`;
  const headers = { 'x-correlator': input.correlator, accept: 'application/json' };
  const request: LeanRequest =
    operator.mode === 'verify'
      ? { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(verifyBody(operator, input.phoneNumber)), timeoutMs: input.timeoutMs }
      : { method: 'GET', headers, timeoutMs: input.timeoutMs };

  let response = await callOperator(http, url, await authorized(request, url, input));
  const nonce = input.dpop && dpopNonceAsked(response);
  if (nonce) response = await callOperator(http, url, await authorized(request, url, input, nonce));
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

/** the request with its credentials: a bearer token, or a DPoP-bound token and its proof */
async function authorized(request: LeanRequest, url: string, input: { accessToken: string; dpop?: DPoPKey }, nonce?: string): Promise<LeanRequest> {
  if (!input.dpop) return { ...request, headers: { ...request.headers, authorization: `Bearer ${input.accessToken}` } };
  const proof = await dpopProof(input.dpop, { method: request.method, url, accessToken: input.accessToken, nonce });
  return { ...request, headers: { ...request.headers, authorization: `DPoP ${input.accessToken}`, dpop: proof } };
}

/** RFC 9449 §9: a 401 whose WWW-Authenticate says use_dpop_nonce and that hands a DPoP-Nonce: that nonce */
function dpopNonceAsked(response: LeanResponse): string | undefined {
  if (response.status !== 401) return undefined;
  const challenge = headerOf(response, 'www-authenticate');
  // the challenge may list other schemes (Bearer) before DPoP's
  if (!challenge || !/error="?use_dpop_nonce"?/i.test(challenge)) return undefined;
  return headerOf(response, 'dpop-nonce');
}

function headerOf(response: LeanResponse, name: string): string | undefined {
  for (let i = 0; i < response.rawHeaders.length; i += 2) if (response.rawHeaders[i].toLowerCase() === name) return response.rawHeaders[i + 1];
  return undefined;
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
