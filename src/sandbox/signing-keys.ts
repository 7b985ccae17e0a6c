// The sandbox's signing key, made fresh in memory at every start: nothing it signs should outlive it,
// and there is no key material to leak or to configure.
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

/** RS256 is the OIDC default ID token algorithm, so relying parties need no extra metadata to accept it. */
export const SIGNING_ALG = 'RS256';

export interface SigningKeys {
  kid: string;
  /** For oidc-provider's `jwks` configuration (it signs ID tokens and access tokens with it). */
  privateJwk: JWK;
  /** For the test aid that mints access tokens directly. */
  privateKey: CryptoKey;
  /** For the Number Verification API to check access tokens. */
  publicKey: CryptoKey;
}

export async function generateSigningKeys(): Promise<SigningKeys> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateJwk: { ...jwk, kid, alg: SIGNING_ALG, use: 'sig' }, privateKey, publicKey };
}
