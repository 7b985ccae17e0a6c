import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as jose from 'jose';
import { OperatorFailure } from '../../src/operator/failure.js';
import { IdTokenSignatures } from '../../src/operator/id-token-signature.js';

// id-token-signature.ts verifies with node:crypto what openid-client would verify with WebCrypto: every alg an
// operator may sign ID tokens with must verify when right and be refused when a byte is wrong.
const ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

describe('IdTokenSignatures', () => {
  let server: Server;
  let jwksUri: string;
  const keys: Record<string, CryptoKey> = {};
  const published: jose.JWK[] = [];
  let fetched = 0;
  beforeAll(async () => {
    for (const alg of ALGS) {
      const pair = await jose.generateKeyPair(alg, { extractable: true });
      keys[alg] = pair.privateKey as CryptoKey;
      published.push({ ...(await jose.exportJWK(pair.publicKey)), kid: `k-${alg}`, alg, use: 'sig' });
    }
    server = createServer((_req, res) => {
      fetched++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const jwks = () => ({ uri: jwksUri, fetch: () => (url: string, options: { headers: Headers; signal: AbortSignal }) => fetch(url, options), allowHttp: true });
  const sign = (alg: string, key = keys[alg]) => new jose.SignJWT({ sub: 'device-1', nonce: 'n' }).setProtectedHeader({ alg, kid: `k-${alg}` }).setIssuedAt().setExpirationTime('5m').sign(key);

  for (const alg of ALGS) {
    it(`accepts an ${alg} ID token signed with the operator's key and refuses it changed or signed by another key`, async () => {
      const signatures = new IdTokenSignatures();
      const token = await sign(alg);
      await expect(signatures.check(jwks(), token)).resolves.toBeUndefined();

      const [header, , signature] = token.split('.');
      const changed = `${header}.${Buffer.from(JSON.stringify({ ...jose.decodeJwt(token), sub: 'device-2' })).toString('base64url')}.${signature}`;
      await expect(signatures.check(jwks(), changed)).rejects.toMatchObject({ reason: 'invalid_operator_response' });

      const forged = await sign(alg, (await jose.generateKeyPair(alg)).privateKey as CryptoKey);
      await expect(signatures.check(jwks(), forged)).rejects.toBeInstanceOf(OperatorFailure);
    });
  }

  it('refuses a JWKS over plain http unless the operator may be reached over http, and does not fetch it', async () => {
    const before = fetched;
    await expect(new IdTokenSignatures().check({ ...jwks(), allowHttp: false }, await sign('RS256'))).rejects.toMatchObject({ reason: 'invalid_operator_response' });
    expect(fetched).toBe(before);
  });

  it('refuses a token naming a key the JWKS does not hold, and fetches the JWKS once for many checks', async () => {
    const signatures = new IdTokenSignatures();
    const before = fetched;
    for (let i = 0; i < 5; i++) await signatures.check(jwks(), await sign('RS256'));
    expect(fetched - before).toBe(1);
    const unknown = await new jose.SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'not-published' }).sign(keys.RS256);
    await expect(signatures.check(jwks(), unknown)).rejects.toMatchObject({ reason: 'invalid_operator_response' });
  });
});
