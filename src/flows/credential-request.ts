import { createHmac, timingSafeEqual } from 'node:crypto';
import type { OperatorConfig } from '../config/index.js';
import type { BrokerDeps } from '../deps.js';
import type { CredentialState } from '../domain/verification.js';
import { CREDENTIAL_FORMAT, vctOf, type DigitalCredentialSettings } from '../operator/credential-request.js';
import { randomToken } from '../random.js';

/**
 * What a page passes as one entry of `navigator.credentials.get({digital: {requests: [...]}})` (W3C Digital
 * Credentials API) and an Android app hands to Credential Manager (`GetDigitalCredentialOption`'s requestJson as
 * `{"requests": [this]}`): an unsigned OpenID4VP 1.0 request (Appendix A, the DC API), with a DCQL query for the
 * carrier's TS.43 credential as the Android phone-number-verification guide asks for it.
 */
export interface DigitalCredentialRequest {
  protocol: 'openid4vp-v1-unsigned';
  data: {
    response_type: 'vp_token';
    response_mode: 'dc_api';
    nonce: string;
    dcql_query: { credentials: DcqlCredential[] };
  };
}

interface DcqlCredential {
  id: string;
  format: typeof CREDENTIAL_FORMAT;
  /** vct_values, and the aggregator's credential_authorization_jwt where the Android guide puts it */
  meta: { vct_values: string[]; credential_authorization_jwt: string };
  claims: { path: string[]; values: string[] }[];
}

export type CredentialRequestDeps = Pick<BrokerDeps, 'operators' | 'sms'>;

/**
 * The OpenID4VP request for the carrier's credential, and what the verification keeps to check its presentation.
 *
 * Rules:
 * - a fresh nonce (32 random bytes) per verification, sent to the aggregator so its credential_authorization_jwt
 *   carries it (the wallet refuses one that does not), and kept only as its keyed hash (HMAC with OTP_SECRET, bound
 *   to the verification id, like a code);
 * - one DCQL credential per aggregator, its id the operator's id (DCQL ids are `[A-Za-z0-9_-]+`), format
 *   `dc-authorization+sd-jwt`, the operator's vct, and `phone_number_hint` = the number to verify;
 * - the key-binding JWT's audience must be `origin:<origin>` of one of `origins` (OpenID4VP 1.0, Appendix A).
 * Failures are the operator client's OperatorFailure.
 */
export async function requestCarrierCredential(
  deps: CredentialRequestDeps,
  operator: OperatorConfig & { digitalCredential: DigitalCredentialSettings },
  verification: { id: string; phoneNumber: string },
  origins: readonly string[],
): Promise<{ credential: CredentialState; request: DigitalCredentialRequest }> {
  const nonce = randomToken(32);
  const authorizationJwt = await deps.operators.credentialAuthorization(operator, nonce, verification.id);
  const credentialId = operator.id.replace(/[^A-Za-z0-9_-]/g, '_');
  const vct = vctOf(operator);
  const request: DigitalCredentialRequest = {
    protocol: 'openid4vp-v1-unsigned',
    data: {
      response_type: 'vp_token',
      response_mode: 'dc_api',
      nonce,
      dcql_query: {
        credentials: [
          {
            id: credentialId,
            format: CREDENTIAL_FORMAT,
            meta: { vct_values: [vct], credential_authorization_jwt: authorizationJwt },
            claims: [{ path: ['phone_number_hint'], values: [verification.phoneNumber] }],
          },
        ],
      },
    },
  };
  const credential: CredentialState = { nonceHash: nonceHash(deps.sms.codeKey, verification.id, nonce), credentialId, vct, audiences: origins.map((o) => `origin:${o}`) };
  return { credential, request };
}

/** Whether `nonce` is the one whose keyed hash, bound to the verification, is `storedHash`. Constant time. */
export function nonceMatches(key: Buffer, verificationId: string, nonce: string, storedHash: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(storedHash)) return false;
  const expected = Buffer.from(storedHash, 'hex');
  const actual = Buffer.from(nonceHash(key, verificationId, nonce), 'hex');
  return timingSafeEqual(actual, expected);
}

function nonceHash(key: Buffer, verificationId: string, nonce: string): string {
  // a label of its own, so a nonce's hash can never stand for a code's of the same verification
  return createHmac('sha256', key).update(`${verificationId}:openid4vp-nonce:${nonce}`, 'utf8').digest('hex');
}
