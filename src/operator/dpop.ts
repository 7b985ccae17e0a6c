import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import * as jose from 'jose';
import { randomToken } from '../random.js';

/**
 * The broker's DPoP key for one operator (RFC 9449): openid-client's handle proves possession at the token
 * endpoint (and retries once on `use_dpop_nonce`); `dpopProof` proves it on the Number Verification call,
 * which goes through the lean HTTP client rather than openid-client.
 *
 * Why one key per operator per broker process, never stored: the key only has to link the token request to
 * the Number Verification call, and both happen in the same callback on the same instance; a token bound to it
 * is used once, right away. The pushed authorization request is sent without a proof, so that the
 * authorization code is not bound (`dpop_jkt`) to a key that the instance handling the callback may not hold.
 */
export interface DPoPKey {
  handle: client.DPoPHandle;
  privateKey: CryptoKey;
  publicJwk: jose.JWK;
}

const DPOP_ALG = 'ES256';

export async function newDPoPKey(config: client.Configuration): Promise<DPoPKey> {
  const keyPair = await client.randomDPoPKeyPair(DPOP_ALG);
  const { kty, crv, x, y } = await jose.exportJWK(keyPair.publicKey);
  return { handle: client.getDPoPHandle(config, keyPair), privateKey: keyPair.privateKey, publicJwk: { kty, crv, x, y } };
}

/**
 * A DPoP proof for one call to a protected resource.
 *
 * Rules:
 * - header typ `dpop+jwt`, the public key as `jwk` (never the private part);
 * - htm = the method, htu = the URL without query or fragment, iat = now, a fresh jti, ath = base64url of the
 *   access token's SHA-256, and the resource server's nonce when it gave one.
 * @see RFC 9449 §4.2, §7.1, §9
 */
export function dpopProof(key: DPoPKey, input: { method: string; url: string; accessToken: string; nonce?: string }): Promise<string> {
  const htu = new URL(input.url);
  htu.search = '';
  htu.hash = '';
  return new jose.SignJWT({
    htm: input.method,
    htu: htu.href,
    ath: createHash('sha256').update(input.accessToken).digest('base64url'),
    ...(input.nonce && { nonce: input.nonce }),
  })
    .setProtectedHeader({ alg: DPOP_ALG, typ: 'dpop+jwt', jwk: key.publicJwk })
    .setIssuedAt()
    .setJti(randomToken(16))
    .sign(key.privateKey);
}
