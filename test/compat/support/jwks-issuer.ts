import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';

export interface JwksIssuer {
  issuer: string;
  jwksUrl: string;
  /**
   * An access token for `sub` (RFC 9068: header typ `at+jwt`, a `client_id` claim), signed with the published
   * key, unless told otherwise: `typ: null` leaves the header without typ, `claims` adds or (undefined) removes claims.
   */
  token(sub: string, options?: TokenOptions): Promise<string>;
  close(): Promise<void>;
}

export interface TokenOptions {
  issuer?: string;
  audience?: string;
  expiresIn?: string;
  key?: CryptoKey;
  kid?: string;
  typ?: string | null;
  claims?: Record<string, unknown>;
}

/** A stand-in for the customer's identity provider: a JWKS on loopback and tokens signed with its key. */
export async function startJwksIssuer(audience: string): Promise<JwksIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'ES256', use: 'sig' };
  const server = createServer((req, res) => {
    if (req.url !== '/oauth2/jwks') return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/token`;
  return {
    issuer,
    jwksUrl: issuer.replace(/token$/, 'jwks'),
    token: (sub, options = {}) =>
      new SignJWT(JSON.parse(JSON.stringify({ scope: 'internal_login', client_id: 'customer-app', ...options.claims })))
        .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? 'idp-1', ...(options.typ !== null && { typ: options.typ ?? 'at+jwt' }) })
        .setSubject(sub)
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? audience)
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '5m')
        .sign(options.key ?? privateKey),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
