import { constants, verify } from 'node:crypto';
import * as jose from 'jose';
import { keyObjectOf } from '../keys/compact-jwt.js';
import { OperatorFailure } from './failure.js';

/** where an operator's JWKS is and how to fetch it; `fetch` is called once, when its key set is first needed */
export interface OperatorJwks {
  uri: string;
  /** the operator may be reached over plain http (allowInsecureHttp, or a loopback issuer) */
  allowHttp: boolean;
  fetch: () => jose.FetchImplementation;
}

/**
 * Checks an ID token's signature against its operator's JWKS: the non-repudiation check openid-client offers
 * (`enableNonRepudiationChecks`), done with node:crypto. Why not openid-client's: it verifies through WebCrypto,
 * an async job that costs ~110 µs of CPU per RS256 signature here against ~35 µs for `crypto.verify`, on every
 * silent verification (docs/performance.md). What stays with the libraries:
 * - openid-client has already checked the ID token's claims (iss, aud, exp, iat, nonce) and that its `alg` is
 *   the one expected (the client's `id_token_signed_response_alg`, RS256 by default) before this runs;
 * - jose's remote key set picks the key (by `kid` and `alg`), caches the JWKS, and fetches it again, at most every
 *   30 s, when a token names a key it does not hold (a rotation); it fetches with the operator's lean fetch, so
 *   the JWKS answer is bounded in time and size like every operator call;
 * - an alg outside the table below is verified by jose itself;
 * - the JWKS is fetched over https only, unless the operator may be reached over http (as openid-client's tlsOnly).
 * A signature that does not verify, or no key for it, is `invalid_operator_response` (the callback is refused);
 * a JWKS that cannot be fetched is left to the caller's mapping (a timeout, or token_exchange_failed).
 * @see OpenID Connect Core §3.1.3.7 (6), RFC 7515 §5.2, RFC 7518 §3
 */
export class IdTokenSignatures {
  private readonly keySets = new Map<string, ReturnType<typeof jose.createRemoteJWKSet>>();

  async check(jwks: OperatorJwks, idToken: string): Promise<void> {
    const [header, payload, signature] = idToken.split('.');
    const protectedHeader = jose.decodeProtectedHeader(idToken);
    const key = (await this.keySet(jwks)(protectedHeader, { payload, signature }).catch(keyFailure)) as CryptoKey;
    const options = protectedHeader.alg ? VERIFY[protectedHeader.alg] : undefined;
    if (!options) {
      await jose.compactVerify(idToken, key).catch((err: unknown) => {
        throw invalid('ID token signature verification failed', err);
      });
      return;
    }
    const ok = verify(options.hash, Buffer.from(`${header}.${payload}`), { key: keyObjectOf(key), ...options.key }, Buffer.from(signature ?? '', 'base64url'));
    if (!ok) throw invalid('ID token signature verification failed');
  }

  /** the operator's key set, made on first use; a JWKS URL that is not https is refused (and never cached) unless allowed */
  private keySet(jwks: OperatorJwks): ReturnType<typeof jose.createRemoteJWKSet> {
    let set = this.keySets.get(jwks.uri);
    if (set) return set;
    if (!jwks.allowHttp && new URL(jwks.uri).protocol !== 'https:') throw invalid("the operator's jwks_uri is not https");
    this.keySets.set(jwks.uri, (set = jose.createRemoteJWKSet(new URL(jwks.uri), { [jose.customFetch]: jwks.fetch() })));
    return set;
  }
}

/** node:crypto's parameters for each JWS alg it verifies here (RFC 7518 §3.3–3.5; EdDSA: RFC 8037) */
const VERIFY: Record<string, { hash: string | null; key: object }> = {
  RS256: { hash: 'sha256', key: { padding: constants.RSA_PKCS1_PADDING } },
  RS384: { hash: 'sha384', key: { padding: constants.RSA_PKCS1_PADDING } },
  RS512: { hash: 'sha512', key: { padding: constants.RSA_PKCS1_PADDING } },
  PS256: { hash: 'sha256', key: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } },
  PS384: { hash: 'sha384', key: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 } },
  PS512: { hash: 'sha512', key: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 } },
  ES256: { hash: 'sha256', key: { dsaEncoding: 'ieee-p1363' } },
  ES384: { hash: 'sha384', key: { dsaEncoding: 'ieee-p1363' } },
  ES512: { hash: 'sha512', key: { dsaEncoding: 'ieee-p1363' } },
};

/** no key for the token, or a JWKS that is not one: the operator's fault; a JWKS call that timed out: a timeout */
function keyFailure(err: unknown): never {
  if (err instanceof jose.errors.JWKSTimeout) throw new OperatorFailure('operator_timeout', 'the operator did not answer in time', {}, { cause: err });
  if (err instanceof jose.errors.JOSEError) throw invalid(err.message, err);
  throw err;
}

function invalid(message: string, cause?: unknown): OperatorFailure {
  return new OperatorFailure('invalid_operator_response', message, { check: 'id_token_signature' }, { cause });
}
