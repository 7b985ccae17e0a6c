// DEVELOPMENT ONLY. The sandbox's stand-in for a phone's Credential Manager (issue 18): it presents a TS.43
// credential for a sandbox SIM, which no real device holds. The broker serves it only with the sandbox on
// (POST /sandbox/wallet, for the sample page's demo button); the HTTP tests call it directly.
import { createHash } from 'node:crypto';
import * as jose from 'jose';

/**
 * The test wallet: given the broker's digitalCredentialRequest, it builds the presentation of a carrier-issued TS.43
 * credential for a chosen sandbox SIM the way the Android phone-number-verification guide and the Credential Manager
 * test wallet (digitalcredentialsdev/CMWallet, pnv/) do:
 * - it checks the aggregator's credential_authorization_jwt against the x5c leaf it carries, and that its nonce is
 *   the request's;
 * - the issuer JWT (the device's telephony module): header `typ: dc-authorization+sd-jwt`, payload `iss: "Telephony"`,
 *   `vct`, `cnf.jwk` (the device key), `iat`, `exp`;
 * - the `encrypted_credential`: a JWE (ECDH-ES + A128GCM) of `{temp_token}` to the aggregator's key — in the
 *   sandbox, the temporary token is the SIM's number;
 * - the KB-JWT (`typ: kb+jwt`, signed by the device key): `iat`, `aud: origin:<origin>`, `nonce`, `sd_hash`,
 *   `consent_data_hash`, `carrier_hint`, `encrypted_credential`;
 * - the answer is `vp_token` as the Digital Credentials API returns it: `{<credential id>: [<SD-JWT>]}`.
 * Options spoil one part at a time, for the tests of each refusal. A request it cannot read (no x5c, a bad
 * signature, another nonce) throws.
 */
export interface WalletOptions {
  /** the SIM whose TS.43 token is presented (its number) */
  simNumber: string;
  /** the page's or app's origin (aud = origin:<origin>) */
  origin: string;
  /** spoilers */
  nonce?: string;
  aud?: string;
  /** seconds added to now for the KB-JWT's iat (negative: older) */
  iatOffsetSeconds?: number;
  sdHash?: string;
  /** encrypt the credential to a key the aggregator does not hold */
  wrongEncryptionKey?: boolean;
}

export interface DigitalCredentialRequest {
  protocol: string;
  data: { nonce: string; dcql_query: { credentials: { id: string; meta: { vct_values: string[]; credential_authorization_jwt: string } }[] } };
}

export async function presentTs43Credential(request: DigitalCredentialRequest, options: WalletOptions): Promise<{ vp_token: Record<string, string[]> }> {
  const [credential] = request.data.dcql_query.credentials;
  const authorizationJwt = credential.meta.credential_authorization_jwt;
  const header = jose.decodeProtectedHeader(authorizationJwt);
  const leaf = await jose.importX509(`-----BEGIN CERTIFICATE-----\n${header.x5c![0]}\n-----END CERTIFICATE-----`, 'ES256');
  const { payload: authorization } = await jose.jwtVerify(authorizationJwt, leaf, { typ: 'oauth-authz-req+jwt' });
  if (authorization.nonce !== request.data.nonce) throw new Error('wallet: the aggregator nonce is not the request nonce');
  const encryptionJwk = (authorization.jwks as { keys: jose.JWK[] }).keys.find((k) => k.use === 'enc' && k.crv === 'P-256')!;
  const consentDataHash = createHash('sha256').update(String(authorization.consent_data), 'utf8').digest('base64url');

  const encryptTo = options.wrongEncryptionKey
    ? { ...(await jose.exportJWK((await jose.generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true })).publicKey)), kid: encryptionJwk.kid }
    : encryptionJwk;
  const encryptedCredential = await new jose.CompactEncrypt(new TextEncoder().encode(JSON.stringify({ temp_token: options.simNumber })))
    .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A128GCM', kid: encryptTo.kid })
    .encrypt(await jose.importJWK(encryptTo, 'ECDH-ES'));

  const telephony = await jose.generateKeyPair('ES256');
  const device = await jose.generateKeyPair('ES256', { extractable: true });
  const now = Math.floor(Date.now() / 1000);
  const issuerJwt = await new jose.SignJWT({ vct: credential.meta.vct_values[0], cnf: { jwk: await jose.exportJWK(device.publicKey) } })
    .setProtectedHeader({ alg: 'ES256', typ: 'dc-authorization+sd-jwt' })
    .setIssuer('Telephony')
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(telephony.privateKey);
  const hashedPart = `${issuerJwt}~`;
  const kbJwt = await new jose.SignJWT({
    nonce: options.nonce ?? request.data.nonce,
    aud: options.aud ?? `origin:${options.origin}`,
    sd_hash: options.sdHash ?? createHash('sha256').update(hashedPart, 'ascii').digest('base64url'),
    consent_data_hash: consentDataHash,
    carrier_hint: '21401',
    encrypted_credential: encryptedCredential,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'kb+jwt' })
    .setIssuedAt(now + (options.iatOffsetSeconds ?? 0))
    .sign(device.privateKey);
  return { vp_token: { [credential.id]: [`${hashedPart}${kbJwt}`] } };
}
