import * as jose from 'jose';
import type { SigningKey } from '../keys/key-ring.js';
import { randomToken } from '../random.js';

/** the longest the CAMARA profile lets a request object live (exp - iat); the device may open the URL a while after start */
export const REQUEST_OBJECT_LIFETIME_SECONDS = 300;

/** the parameters the CAMARA profile wants in plain beside `request`, with the same values as inside it */
const PLAIN_PARAMETERS = ['scope', 'response_type', 'client_id', 'redirect_uri'] as const;

/**
 * A signed authorization request (JAR) that satisfies RFC 9101 and the CAMARA security profile at once.
 * openid-client's buildAuthorizationUrlWithJAR sends only client_id and request, with aud = the issuer, which
 * is why the broker builds it here.
 *
 * Rules:
 * - the JWT carries every authorization parameter (an operator uses only those inside it), plus iss = client_id,
 *   aud, iat, nbf = iat, exp = iat + 300 s at most, and a fresh jti; never `sub`, so that it cannot pass for a
 *   client assertion (RFC 9101 §10, CAMARA);
 * - `aud` names both the authorization endpoint (what the CAMARA profile recommends) and the issuer (what RFC
 *   9101 §4 asks for, and the only value oidc-provider accepts: its JWT check wants the issuer, alone or in an
 *   array). Each value identifies this operator alone, so a request object for one tenant is refused at another;
 *   an operator that accepts either finds its own in the array;
 * - the plain query repeats scope, response_type, client_id and redirect_uri with the same values (CAMARA);
 * - `typ: oauth-authz-req+jwt` (RFC 9101 §10.8), signed with the key of the client assertion, as the profile
 *   allows, so the operator finds it in the JWKS it already trusts.
 * @see RFC 9101 §4–§6, CAMARA Security and Interoperability Profile "Signed Authentication Requests"
 */
export async function signedAuthorizationParams(
  params: Record<string, string>,
  input: { clientId: string; issuer: string; authorizationEndpoint: string; key: SigningKey; now?: Date },
): Promise<Record<string, string>> {
  const iat = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const all: Record<string, string> = { ...params, client_id: input.clientId };
  const audience = input.authorizationEndpoint === input.issuer ? input.issuer : [input.authorizationEndpoint, input.issuer];
  const request = await new jose.SignJWT(all)
    .setProtectedHeader({ alg: input.key.alg, typ: 'oauth-authz-req+jwt', kid: input.key.kid })
    .setIssuer(input.clientId)
    .setAudience(audience)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + REQUEST_OBJECT_LIFETIME_SECONDS)
    .setJti(randomToken(16))
    .sign(input.key.privateKey);
  const plain: Record<string, string> = {};
  for (const name of PLAIN_PARAMETERS) if (all[name] !== undefined) plain[name] = all[name];
  return { ...plain, request };
}
