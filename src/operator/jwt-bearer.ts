import { randomUUID } from 'node:crypto';
import * as jose from 'jose';
import type { SigningKey } from '../keys/key-ring.js';
import { OperatorFailure } from './failure.js';
import { ResponseTooLarge, type LeanHttp, type LeanResponse } from './lean-http.js';

export const JWT_BEARER_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** the assertion's lifetime: long enough for clock skew, far below the profile's 300 s */
const ASSERTION_SECONDS = 60;

export interface JwtBearerRequest {
  tokenEndpoint: string;
  clientId: string;
  scope: string;
  /**
   * the assertion's `sub`: `operatortoken:<token>` for an operator token the app obtained (issue 16), or
   * `vp_token:<SD-JWT>` for a presentation of the carrier's TS.43 credential (issue 18)
   */
  subject: string;
  key: SigningKey;
  timeoutMs: number;
}

/**
 * An access token through the JWT-bearer grant, for the subscriber behind an operator token (TS.43) the app obtained,
 * or behind a presentation of the carrier's TS.43 credential (issue 18: CAMARA's operator-token acquisition draft puts
 * the presentation in `sub` as `vp_token:<SD-JWT>`; follows a draft, may change).
 *
 * Rules (RFC 7523 §2.1, CAMARA "JWT Bearer flow with Operator Token"):
 * - the signed assertion is both the grant and the client's authentication: `iss` = client id,
 *   `sub` = `operatortoken:<token>` or `vp_token:<SD-JWT>` (never `tel:`: a number as subject proves nothing for
 *   Number Verification),
 *   `aud` = the token endpoint, `iat`, `exp` 60 s later, a fresh `jti`, and the configured `scope`; signed with
 *   the key the operator knows the broker by (its `kid` in the header);
 * - the body is exactly `grant_type` and `assertion`: no client_assertion, no client_id;
 * - through the lean HTTP client: bounded by the operator timeout, no redirects, bounded size;
 * - `invalid_grant` is the operator refusing the token (access_denied); a 5xx or 429 is operator_unavailable; a
 *   timeout operator_timeout; any other answer without a bearer access token is token_exchange_failed.
 */
export async function jwtBearerGrant(http: LeanHttp, request: JwtBearerRequest): Promise<string> {
  const assertion = await signAssertion(request);
  const body = new URLSearchParams({ grant_type: JWT_BEARER_GRANT_TYPE, assertion });
  let response: LeanResponse;
  try {
    response = await http.request(request.tokenEndpoint, { method: 'POST', headers: { accept: 'application/json' }, body, timeoutMs: request.timeoutMs });
  } catch (err) {
    if ((err as { name?: string }).name === 'TimeoutError') throw new OperatorFailure('operator_timeout', 'the operator did not answer in time', {}, { cause: err });
    if (err instanceof ResponseTooLarge) throw new OperatorFailure('token_exchange_failed', err.message, {}, { cause: err });
    throw new OperatorFailure('operator_unavailable', `cannot reach the operator (${(err as { code?: string }).code ?? 'network error'})`, {}, { cause: err });
  }
  return accessTokenFrom(response);
}

function signAssertion(request: JwtBearerRequest): Promise<string> {
  return new jose.SignJWT({ scope: request.scope })
    .setProtectedHeader({ alg: request.key.alg, typ: 'JWT', kid: request.key.kid })
    .setIssuer(request.clientId)
    .setSubject(request.subject)
    .setAudience(request.tokenEndpoint)
    .setIssuedAt()
    .setExpirationTime(`${ASSERTION_SECONDS}s`)
    .setJti(randomUUID())
    .sign(request.key.privateKey);
}

function accessTokenFrom(response: LeanResponse): string {
  const data = parseJson(response.body);
  if (response.status === 200) {
    const { access_token: token, token_type: type } = data ?? {};
    if (typeof token === 'string' && token && typeof type === 'string' && type.toLowerCase() === 'bearer') return token;
    throw new OperatorFailure('token_exchange_failed', 'the token answer has no bearer access token', { status: 200 });
  }
  const operatorCode = typeof data?.error === 'string' ? data.error.slice(0, 64) : `HTTP_${response.status}`;
  const detail = { status: response.status, operatorCode };
  if (response.status >= 500 || response.status === 429) throw new OperatorFailure('operator_unavailable', `the operator answered ${response.status}`, detail);
  if (operatorCode === 'invalid_grant') throw new OperatorFailure('access_denied', 'the operator refused the grant (invalid_grant)', detail);
  throw new OperatorFailure('token_exchange_failed', `the operator refused the grant (${response.status} ${operatorCode})`, detail);
}

function parseJson(body: Buffer): Record<string, unknown> | undefined {
  try {
    const data: unknown = JSON.parse(body.toString('utf8'));
    return typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
