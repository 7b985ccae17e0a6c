import { createHash } from 'node:crypto';
import * as jose from 'jose';

/**
 * A presentation of the carrier-issued TS.43 credential (issue 18): an SD-JWT with key binding,
 * `<issuer JWT>~<disclosure>~…~<KB-JWT>` (RFC 9901 SD-JWT §4, the `dc-authorization+sd-jwt` format of the Android
 * phone-number-verification guide). The broker checks the binding of the presentation to this verification; the
 * TS.43 token inside (`encrypted_credential`, a JWE for the aggregator) is never decrypted here: only the aggregator
 * can, and only it can tell whether the issuer JWT comes from a real device's telephony module.
 */
export interface Presentation {
  /** the whole presentation, as the wallet sent it (what the aggregator gets) */
  raw: string;
  issuerJwt: string;
  kbJwt: string;
  /** everything up to and including the last `~`: what `sd_hash` covers (RFC 9901 §4.3) */
  hashedPart: string;
}

/** Why a presentation is refused: which check it failed (recorded on the verification's event, never the values). */
export type PresentationCheck = 'issuer_jwt' | 'vct' | 'cnf' | 'kb_jwt' | 'kb_signature' | 'nonce' | 'aud' | 'iat' | 'sd_hash';

const JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const DISCLOSURE = /^[A-Za-z0-9_-]+$/;
export const ISSUER_JWT_TYPE = 'dc-authorization+sd-jwt';
export const KB_JWT_TYPE = 'kb+jwt';
const KB_ALGS = ['ES256', 'ES384', 'ES512', 'EdDSA'];

/** The SD-JWT's structure (issuer JWT `~` disclosures `~` KB-JWT), or undefined when it has not that shape. */
export function parsePresentation(raw: string): Presentation | undefined {
  const parts = raw.split('~');
  if (parts.length < 2) return undefined;
  const issuerJwt = parts[0];
  const kbJwt = parts[parts.length - 1];
  const disclosures = parts.slice(1, -1);
  if (!JWS.test(issuerJwt) || !JWS.test(kbJwt) || !disclosures.every((d) => DISCLOSURE.test(d))) return undefined;
  return { raw, issuerJwt, kbJwt, hashedPart: raw.slice(0, raw.length - kbJwt.length) };
}

export interface BindingExpectations {
  vct: string;
  /** the allowed `aud` values: `origin:<origin>` (OpenID4VP 1.0, Appendix A: unsigned requests over the DC API) */
  audiences: readonly string[];
  /** whether the KB-JWT's nonce is the verification's (compared against its keyed hash) */
  nonceMatches: (nonce: string) => boolean;
  now: Date;
  /** how old the KB-JWT's `iat` may be */
  maxAgeSeconds: number;
  /** how far in the future `iat` may be (clock skew) */
  skewSeconds: number;
}

/**
 * Checks that the presentation is bound to this verification, or says which check failed.
 *
 * Rules (OpenID4VP 1.0 §B.3 for SD-JWT VCs with key binding; RFC 9901 §4.3 and §7.3):
 * - the issuer JWT's header `typ` is `dc-authorization+sd-jwt`, its `vct` the one asked for, its `cnf.jwk` a public key;
 * - the KB-JWT's header `typ` is `kb+jwt`, and it is signed by that key (ES256/384/512 or EdDSA);
 * - its `nonce` is the verification's, its `aud` one of the expected `origin:<origin>` values, its `iat` no older
 *   than maxAgeSeconds and not ahead by more than skewSeconds, and its `sd_hash` the base64url SHA-256 of the
 *   presentation up to the KB-JWT;
 * - the issuer JWT's own signature is the aggregator's to check (the broker has no trust anchor for telephony modules).
 */
export async function checkBinding(p: Presentation, expect: BindingExpectations): Promise<PresentationCheck | undefined> {
  let issuerHeader: jose.ProtectedHeaderParameters;
  let issuer: jose.JWTPayload;
  try {
    issuerHeader = jose.decodeProtectedHeader(p.issuerJwt);
    issuer = jose.decodeJwt(p.issuerJwt);
  } catch {
    return 'issuer_jwt';
  }
  if (issuerHeader.typ !== ISSUER_JWT_TYPE) return 'issuer_jwt';
  if (issuer.vct !== expect.vct) return 'vct';
  const jwk = (issuer.cnf as { jwk?: unknown } | undefined)?.jwk;
  if (typeof jwk !== 'object' || jwk === null || 'd' in jwk) return 'cnf';

  let kbHeader: jose.ProtectedHeaderParameters;
  try {
    kbHeader = jose.decodeProtectedHeader(p.kbJwt);
  } catch {
    return 'kb_jwt';
  }
  if (kbHeader.typ !== KB_JWT_TYPE || !kbHeader.alg || !KB_ALGS.includes(kbHeader.alg)) return 'kb_jwt';
  let kb: jose.JWTPayload;
  try {
    const key = await jose.importJWK(jwk as jose.JWK, kbHeader.alg);
    kb = (await jose.compactVerify(p.kbJwt, key, { algorithms: KB_ALGS })).payload && jose.decodeJwt(p.kbJwt);
  } catch {
    return 'kb_signature';
  }
  if (typeof kb.nonce !== 'string' || !expect.nonceMatches(kb.nonce)) return 'nonce';
  if (typeof kb.aud !== 'string' || !expect.audiences.includes(kb.aud)) return 'aud';
  const now = expect.now.getTime() / 1000;
  if (typeof kb.iat !== 'number' || kb.iat < now - expect.maxAgeSeconds || kb.iat > now + expect.skewSeconds) return 'iat';
  if (kb.sd_hash !== sdHashOf(p.hashedPart)) return 'sd_hash';
  return undefined;
}

/** RFC 9901 §4.3.1: base64url SHA-256 of the ASCII presentation up to and including the last `~` */
export function sdHashOf(hashedPart: string): string {
  return createHash('sha256').update(hashedPart, 'ascii').digest('base64url');
}
