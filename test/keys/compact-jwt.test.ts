import { describe, expect, it } from '@jest/globals';
import * as jose from 'jose';
import { signCompactJwt } from '../../src/keys/compact-jwt.js';
import type { SigningAlg, SigningKey } from '../../src/keys/key-ring.js';

// compact-jwt.ts signs with node:crypto instead of jose; jose, as a backend or an operator would, must accept
// every alg the broker signs with, and refuse the token once a byte of it changes.
describe('signCompactJwt', () => {
  for (const alg of ['ES256', 'RS256', 'PS256'] as SigningAlg[]) {
    it(`signs ${alg} as jose verifies it`, async () => {
      const pair = await jose.generateKeyPair(alg, { extractable: false });
      const key: SigningKey = { kid: `k-${alg}`, alg, privateKey: pair.privateKey as CryptoKey };
      const jwt = signCompactJwt(key, { kid: key.kid, typ: 'JWT' }, { sub: '+34600000002', n: 1 });

      const { payload, protectedHeader } = await jose.jwtVerify(jwt, pair.publicKey, { algorithms: [alg] });
      expect(protectedHeader).toEqual({ alg, kid: `k-${alg}`, typ: 'JWT' });
      expect(payload).toEqual({ sub: '+34600000002', n: 1 });

      const [header, body, signature] = jwt.split('.');
      const forged = `${header}.${Buffer.from(JSON.stringify({ sub: '+34600000003', n: 1 })).toString('base64url')}.${signature}`;
      await expect(jose.jwtVerify(forged, pair.publicKey, { algorithms: [alg] })).rejects.toThrow(/signature verification failed/);
      expect(body).not.toBe('');
    });
  }

  it('leaves out a kid the key does not have', async () => {
    const pair = await jose.generateKeyPair('ES256');
    const jwt = signCompactJwt({ kid: '', alg: 'ES256', privateKey: pair.privateKey as CryptoKey }, { kid: undefined }, {});
    expect(jose.decodeProtectedHeader(jwt)).toEqual({ alg: 'ES256' });
  });
});
