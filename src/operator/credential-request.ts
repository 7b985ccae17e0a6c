import type { OperatorConfig } from '../config/index.js';
import { postCamara } from './camara-post.js';
import { OperatorFailure } from './failure.js';
import type { LeanHttp } from './lean-http.js';

/**
 * The carrier-issued TS.43 credential over the Digital Credentials API (issue 18): what the broker asks an operator
 * or aggregator for, and how it names a presentation when it exchanges it.
 *
 * Follows a draft, may change:
 * - the vct values and the credential format are those of the Android guide "Verify phone numbers with digital
 *   credentials" (developer.android.com/identity/digital-credentials/phone-number-verification) and of the
 *   Credential Manager test wallet (digitalcredentialsdev/CMWallet, pnv/): format `dc-authorization+sd-jwt`,
 *   vct `number-verification/verify/ts43` or `number-verification/device-phone-number/ts43`;
 * - the aggregator's `credential_authorization_jwt` carries the verifier's nonce (the wallet refuses one whose
 *   nonce is not the request's), its x5c chain, an ephemeral ECDH-ES P-256 encryption key (`jwks`) and the
 *   `consent_data` shown to the user, so it is made per request: the broker asks for it with the nonce;
 * - the request-parameters call itself is not standardised (each aggregator documents its own "DCQL parameters"
 *   call): here a JSON POST `{nonce, vct}` with a client-credentials token, answered `{credential_authorization_jwt}`;
 * - the exchange is the JWT-bearer grant with `sub=vp_token:<SD-JWT>` (CAMARA operator-token acquisition draft).
 */
export const CREDENTIAL_FORMAT = 'dc-authorization+sd-jwt';
export const VCT_VALUES = {
  verify: 'number-verification/verify/ts43',
  'device-phone-number': 'number-verification/device-phone-number/ts43',
} as const;
/** the JWT-bearer assertion's `sub` for a presentation (CAMARA operator-token acquisition draft) */
export const VP_TOKEN_PREFIX = 'vp_token:';
/** the default scope of the client-credentials token for the request-parameters call */
const DEFAULT_SCOPE = 'number-verification:verify';
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export type DigitalCredentialSettings = NonNullable<OperatorConfig['digitalCredential']>;

/** Whether the operator exchanges TS.43 credential presentations (its `digitalCredential` setting). */
export function servesDigitalCredential(operator: OperatorConfig): operator is OperatorConfig & { digitalCredential: DigitalCredentialSettings } {
  return operator.digitalCredential !== undefined;
}

export function vctOf(operator: OperatorConfig & { digitalCredential: DigitalCredentialSettings }): string {
  return VCT_VALUES[operator.digitalCredential.vct];
}

export function requestParametersScope(operator: OperatorConfig & { digitalCredential: DigitalCredentialSettings }): string {
  return operator.digitalCredential.scope ?? DEFAULT_SCOPE;
}

function requestParametersUrl(operator: OperatorConfig & { digitalCredential: DigitalCredentialSettings }): string {
  const { endpoint, requestParametersPath } = operator.digitalCredential;
  return endpoint ?? `${operator.apiRoot}${requestParametersPath}`;
}

/**
 * The aggregator's signed `credential_authorization_jwt` for one request, bound to the broker's `nonce`.
 *
 * Rules:
 * - one JSON POST (operator/camara-post.ts: bounded in time and size, no redirects); its failures are its reasons;
 * - the answer must hold a compact JWS: the broker passes it on as it is (the wallet checks its x5c chain and
 *   signature, the aggregator its own); anything else is `invalid_operator_response`.
 */
export async function fetchCredentialAuthorization(
  http: LeanHttp,
  operator: OperatorConfig & { digitalCredential: DigitalCredentialSettings },
  input: { accessToken: string; nonce: string; correlator: string; timeoutMs: number },
): Promise<string> {
  const answer = await postCamara(http, requestParametersUrl(operator), {
    accessToken: input.accessToken,
    body: { nonce: input.nonce, vct: vctOf(operator) },
    correlator: input.correlator,
    timeoutMs: input.timeoutMs,
  });
  const jwt = answer.credential_authorization_jwt;
  if (typeof jwt !== 'string' || jwt.length > 16_384 || !COMPACT_JWS.test(jwt)) {
    throw new OperatorFailure('invalid_operator_response', 'the request parameters hold no credential_authorization_jwt');
  }
  return jwt;
}
