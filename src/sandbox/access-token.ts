// The sandbox's access tokens are JWTs (RFC 9068) that carry what its APIs need: for a 3-legged token
// (authorization code) the subscriber's number and how they were authenticated; a 2-legged one (client
// credentials) names no subscriber. oidc-provider issues them at the token endpoint; this file reads them
// back, and mints look-alikes for tests.
import { randomUUID } from 'node:crypto';

import { jwtVerify, SignJWT } from 'jose';

import type { MintedAccessTokenClaims } from './options.js';
import { isE164PhoneNumber } from './phone-number.js';
import { NETWORK_AUTHENTICATION_AMR, apiResource } from './resource-server.js';
import { SIGNING_ALG, type SigningKeys } from './signing-keys.js';

/** RFC 9068 `typ` header of JWT access tokens, which tells them apart from ID tokens signed by the same key. */
const ACCESS_TOKEN_TYPE = 'at+jwt';
const DEFAULT_LIFETIME_SECONDS = 3600;

/** What the APIs learn from a valid access token. */
export interface AccessTokenGrant {
  /** The subscriber a 3-legged token names; undefined for a 2-legged token. */
  phoneNumber?: string;
  /** The client the token was issued to. */
  clientId: string;
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
      audience: apiResource(issuer),
      typ: ACCESS_TOKEN_TYPE,
      algorithms: [SIGNING_ALG],
      requiredClaims: ['exp'],
    });
    if (payload.phone_number !== undefined && !isE164PhoneNumber(payload.phone_number)) return undefined;
    if (typeof payload.client_id !== 'string') return undefined;
    return {
      phoneNumber: payload.phone_number,
      clientId: payload.client_id,
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
  const clientId = claims.clientId ?? 'sandbox-minted';
  // a 2-legged token names no subscriber and no authentication, as oidc-provider's client credentials tokens
  const subscriber = claims.phoneNumber === undefined ? {} : { phone_number: claims.phoneNumber, amr: claims.amr ?? [NETWORK_AUTHENTICATION_AMR] };
  return new SignJWT({ scope: claims.scope, client_id: clientId, ...subscriber })
    .setProtectedHeader({ alg: SIGNING_ALG, typ: ACCESS_TOKEN_TYPE, kid: keys.kid })
    .setIssuer(issuer)
    .setSubject(claims.phoneNumber ?? clientId)
    .setAudience(apiResource(issuer))
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + (claims.expiresInSeconds ?? DEFAULT_LIFETIME_SECONDS))
    .sign(keys.privateKey);
}
