// The sandbox as an aggregator of the carrier-issued TS.43 credential (issue 18): it hands out request parameters
// (a signed credential_authorization_jwt with its x5c chain, an ephemeral encryption key and consent data) and, at
// its token endpoint (jwt-bearer-grant.ts), opens the presentation the broker exchanges. Follows the Android
// phone-number-verification guide and the Credential Manager test wallet (digitalcredentialsdev/CMWallet, pnv/):
// a draft, may change.
import { createHash, randomUUID } from 'node:crypto';

import express, { Router } from 'express';
import * as jose from 'jose';

import { readAccessToken } from './access-token.js';
import { bearerToken } from './api-access.js';
import { makeTestCertificateChain } from './test-certificate-chain.js';
import { handleCamaraErrors, InvalidArgument, Unauthenticated } from './errors.js';
import type { SigningKeys } from './signing-keys.js';

export const DIGITAL_CREDENTIALS_PATH = '/digital-credentials/v1';
/** how long a request's encryption key lives: the user consents and the broker exchanges within minutes */
const REQUEST_TTL_MS = 10 * 60_000;
/** at most this many requests open at once (older ones are dropped): the sandbox must not grow without bound */
const MAX_OPEN_REQUESTS = 10_000;
const VCT_VALUES = ['number-verification/verify/ts43', 'number-verification/device-phone-number/ts43'];

/** One request's ephemeral key and what the presentation must match; used once. */
interface OpenRequest {
  decryptionKey: jose.CryptoKey;
  nonce: string;
  consentData: string;
  expiresAt: number;
}

/** What the token endpoint learns from a presentation: the SIM its TS.43 token names, or why it refuses it. */
export type Redemption = { phoneNumber: string } | { refused: string };

export interface CredentialAggregator {
  router: Router;
  /** opens a presentation (`<issuer JWT>~…~<KB-JWT>`): its encrypted_credential, for the SIM it names */
  redeem(presentation: string): Promise<Redemption>;
}

/**
 * Rules:
 * - `POST {DIGITAL_CREDENTIALS_PATH}/request-parameters {nonce, vct}` with a 2-legged access token of this sandbox
 *   answers `{credential_authorization_jwt}`: ES256, header `typ: oauth-authz-req+jwt` and `x5c` (a test
 *   chain made at start, test-certificate-chain.ts), payload `iss`, `nonce` (the verifier's, which the wallet checks), `iat`,
 *   `exp`, `jwks` with a fresh ECDH-ES P-256 key (`use: enc`, a `kid` per request), `encrypted_response_enc_values_supported: ["A128GCM"]`
 *   and `consent_data` (base64url JSON the wallet shows and hashes into the KB-JWT's consent_data_hash);
 * - a presentation is redeemed once: the JWE in its KB-JWT's `encrypted_credential` (ECDH-ES + A128GCM) must be for
 *   an open request's key (its `kid`), the KB-JWT's nonce that request's, its consent_data_hash that of the request's
 *   consent data, its sd_hash right, and its signature the issuer JWT's cnf key; the decrypted `{temp_token}` is a
 *   sandbox SIM's number (the sandbox's stand-in for the carrier's TS.43 temporary token);
 * - anything else is refused (the token endpoint answers invalid_grant).
 */
export function createCredentialAggregator(deps: { issuer: string; keys: SigningKeys; simNumbers: ReadonlySet<string> }): CredentialAggregator {
  const open = new Map<string, OpenRequest>();
  // a fresh test chain per start: nothing to commit, nothing to leak
  const { leafKey: signingKey, x5c } = makeTestCertificateChain();

  const router = Router();
  router.post('/request-parameters', express.json({ limit: '4kb' }), async (req, res) => {
    const token = bearerToken(req.get('authorization'));
    const grant = token === undefined ? undefined : await readAccessToken(deps.keys, deps.issuer, token);
    if (!grant || grant.phoneNumber !== undefined) throw new Unauthenticated();
    const { nonce, vct } = (req.body ?? {}) as Record<string, unknown>;
    if (typeof nonce !== 'string' || !/^[A-Za-z0-9_-]{16,128}$/.test(nonce)) throw new InvalidArgument('nonce must be 16–128 base64url characters');
    if (typeof vct !== 'string' || !VCT_VALUES.includes(vct)) throw new InvalidArgument(`vct must be one of ${VCT_VALUES.join(', ')}`);
    res.set('Cache-Control', 'no-store').json({ credential_authorization_jwt: await authorize(nonce, vct) });
  });
  router.use(handleCamaraErrors);

  async function authorize(nonce: string, vct: string): Promise<string> {
    forgetExpired();
    const { privateKey, publicKey } = await jose.generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true });
    const kid = randomUUID();
    const consentData = Buffer.from(JSON.stringify({ consent_text: `Sandbox Aggregator will confirm your phone number (${vct}).`, policy_link: `${deps.issuer}/privacy` })).toString('base64url');
    open.set(kid, { decryptionKey: privateKey, nonce, consentData, expiresAt: Date.now() + REQUEST_TTL_MS });
    const encryptionJwk = { ...(await jose.exportJWK(publicKey)), use: 'enc', alg: 'ECDH-ES', kid };
    return new jose.SignJWT({ nonce, jwks: { keys: [encryptionJwk] }, encrypted_response_enc_values_supported: ['A128GCM'], consent_data: consentData })
      .setProtectedHeader({ alg: 'ES256', typ: 'oauth-authz-req+jwt', x5c })
      .setIssuer(deps.issuer)
      .setIssuedAt()
      .setExpirationTime(Math.floor((Date.now() + REQUEST_TTL_MS) / 1000))
      .sign(signingKey);
  }

  function forgetExpired(): void {
    const now = Date.now();
    for (const [kid, request] of open) if (request.expiresAt <= now || open.size >= MAX_OPEN_REQUESTS) open.delete(kid);
  }

  async function redeem(presentation: string): Promise<Redemption> {
    const parts = presentation.split('~');
    if (parts.length < 2) return { refused: 'not an SD-JWT with key binding' };
    const [issuerJwt, kbJwt] = [parts[0], parts[parts.length - 1]];
    let kb: jose.JWTPayload;
    try {
      const cnf = (jose.decodeJwt(issuerJwt).cnf as { jwk?: jose.JWK } | undefined)?.jwk;
      if (!cnf) return { refused: 'issuer JWT without cnf' };
      const { alg } = jose.decodeProtectedHeader(kbJwt);
      kb = (await jose.jwtVerify(kbJwt, await jose.importJWK(cnf, alg), { typ: 'kb+jwt' })).payload;
    } catch {
      return { refused: 'key binding not verifiable' };
    }
    const jwe = kb.encrypted_credential;
    if (typeof jwe !== 'string') return { refused: 'no encrypted_credential' };
    let kid: string | undefined;
    try {
      kid = jose.decodeProtectedHeader(jwe).kid;
    } catch {
      return { refused: 'encrypted_credential is not a JWE' };
    }
    const request = kid === undefined ? undefined : open.get(kid);
    if (!request || request.expiresAt <= Date.now()) return { refused: 'no open request for this encryption key' };
    open.delete(kid!); // single use, whatever follows
    const sdHash = createHash('sha256').update(presentation.slice(0, presentation.length - kbJwt.length), 'ascii').digest('base64url');
    if (kb.nonce !== request.nonce) return { refused: 'nonce' };
    if (kb.sd_hash !== sdHash) return { refused: 'sd_hash' };
    if (kb.consent_data_hash !== createHash('sha256').update(request.consentData, 'utf8').digest('base64url')) return { refused: 'consent_data_hash' };
    let tempToken: unknown;
    try {
      const { plaintext } = await jose.compactDecrypt(jwe, request.decryptionKey, { keyManagementAlgorithms: ['ECDH-ES'], contentEncryptionAlgorithms: ['A128GCM'] });
      tempToken = (JSON.parse(new TextDecoder().decode(plaintext)) as { temp_token?: unknown }).temp_token;
    } catch {
      return { refused: 'encrypted_credential does not decrypt' };
    }
    if (typeof tempToken !== 'string' || !deps.simNumbers.has(tempToken)) return { refused: 'unknown temporary token' };
    return { phoneNumber: tempToken };
  }

  return { router, redeem };
}
