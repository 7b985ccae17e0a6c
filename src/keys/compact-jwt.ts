import { constants, KeyObject, sign } from 'node:crypto';
import type { SigningAlg, SigningKey } from './key-ring.js';

/**
 * Signs a JWT (JWS compact serialization, RFC 7515 §7.1) with one of the broker's keys, synchronously with
 * node:crypto. Why not jose's SignJWT: jose signs through WebCrypto, an async job that costs ~130 µs of CPU
 * per ES256 signature here against ~55 µs for `crypto.sign` on the same key (docs/performance.md), and the
 * broker signs on its hot paths: a session token per verified check or callback, a client assertion per
 * token request. jose still verifies everything the broker receives, and the tests verify what this signs
 * with jose, so the two cannot drift apart.
 *
 * The header's `alg` is the key's (a caller cannot name another); ES256 signatures are the raw r‖s pair JWS requires (RFC 7518 §3.4),
 * PS256 uses a salt as long as the hash (RFC 7518 §3.5).
 */
export function signCompactJwt(key: SigningKey, header: { kid?: string; typ?: string }, payload: Record<string, unknown>): string {
  const input = `${base64url({ alg: key.alg, ...header })}.${base64url(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key: keyObjectOf(key.privateKey), ...SIGN_OPTIONS[key.alg] });
  return `${input}.${signature.toString('base64url')}`;
}

const SIGN_OPTIONS: Record<SigningAlg, object> = {
  ES256: { dsaEncoding: 'ieee-p1363' },
  RS256: { padding: constants.RSA_PKCS1_PADDING },
  PS256: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
};

/** the node:crypto handle of a WebCrypto key, made once per key (KeyObject.from is cheap, but not free) */
const keyObjects = new WeakMap<CryptoKey, KeyObject>();
export function keyObjectOf(key: CryptoKey): KeyObject {
  let object = keyObjects.get(key);
  if (!object) keyObjects.set(key, (object = KeyObject.from(key)));
  return object;
}

function base64url(json: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}
