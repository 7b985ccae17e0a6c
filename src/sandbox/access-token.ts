// The sandbox's access tokens are JWTs (RFC 9068) that carry what the Number Verification API needs:
// the subscriber's number and how they were authenticated. oidc-provider issues them at the token
// endpoint; this file reads them back, and mints look-alikes for tests.
import { randomUUID } from 'node:crypto';

import { jwtVerify, SignJWT } from 'jose';

import type { MintedAccessTokenClaims } from './options.js';
import { isE164PhoneNumber } from './phone-number.js';
import { NETWORK_AUTHENTICATION_AMR, numberVerificationResource } from './resource-server.js';
import { SIGNING_ALG, type SigningKeys } from './signing-keys.js';

/** RFC 9068 `typ` header of JWT access tokens, which tells them apart from ID tokens signed by the same key. */
const ACCESS_TOKEN_TYPE = 'at+jwt';
const DEFAULT_LIFETIME_SECONDS = 3600;

/** What the Number Verification API learns from a valid access token. */
export interface AccessTokenGrant {
  phoneNumber: string;
  scopes: ReadonlySet<string>;
  amr: readonly string[];
}

/**
 * Checks signature, `typ`, issuer, audience and expiry; returns undefined for any token that fails,
 * because the API answers every such case the same way (401).
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export async function readAccessToken(keys: SigningKeys, issuer: string, token: string): Promise<AccessTokenGrant | undefined> {
  try {
    const { payload } = await jwtVerify(token, keys.publicKey, {
      issuer,
      audience: numberVerificationResource(issuer),
      typ: ACCESS_TOKEN_TYPE,
      algorithms: [SIGNING_ALG],
      requiredClaims: ['exp'],
    });
    if (!isE164PhoneNumber(payload.phone_number)) return undefined;
    return {
      phoneNumber: payload.phone_number,
      scopes: new Set(typeof payload.scope === 'string' ? payload.scope.split(' ') : []),
      amr: Array.isArray(payload.amr) ? payload.amr.filter((value): value is string => typeof value === 'string') : [],
    };
  } catch {
    return undefined;
  }
}

/**
 * Test aid: signs a token of the same shape oidc-provider issues, with whatever scope and amr a test needs.
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2
 */
export async function mintAccessToken(keys: SigningKeys, issuer: string, claims: MintedAccessTokenClaims): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    scope: claims.scope,
    phone_number: claims.phoneNumber,
    amr: claims.amr ?? [NETWORK_AUTHENTICATION_AMR],
    client_id: 'sandbox-minted',
  })
    .setProtectedHeader({ alg: SIGNING_ALG, typ: ACCESS_TOKEN_TYPE, kid: keys.kid })
    .setIssuer(issuer)
    .setSubject(claims.phoneNumber)
    .setAudience(numberVerificationResource(issuer))
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + (claims.expiresInSeconds ?? DEFAULT_LIFETIME_SECONDS))
    .sign(keys.privateKey);
}
