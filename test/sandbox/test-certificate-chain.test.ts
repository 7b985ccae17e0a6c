import { describe, expect, it } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import * as jose from 'jose';
import { makeTestCertificateChain } from '../../src/sandbox/test-certificate-chain.js';

const pem = (der: string) => `-----BEGIN CERTIFICATE-----\n${der}\n-----END CERTIFICATE-----`;

/** The sandbox aggregator's x5c chain is made at start (issue 18): no key is committed, and the chain is a real one. */
describe('the sandbox aggregator test certificate chain', () => {
  it('is a root and a leaf it issued, which X.509 parsers accept and whose leaf key signs what the leaf certifies', async () => {
    const { leafKey, x5c } = makeTestCertificateChain();
    const [leaf, root] = x5c.map((der) => new X509Certificate(Buffer.from(der, 'base64')));
    expect(root.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(root.verify(root.publicKey)).toBe(true);
    expect(leaf.verify(root.publicKey)).toBe(true);
    expect(leaf.checkIssued(root)).toBe(true);
    expect(leaf.subject).toBe('CN=Sandbox Aggregator');
    expect(Date.parse(leaf.validFrom)).toBeLessThan(Date.now());
    expect(Date.parse(leaf.validTo)).toBeGreaterThan(Date.now());
    // what a wallet does with the x5c header: the leaf's key verifies a JWT signed with the chain's key
    const jwt = await new jose.SignJWT({ nonce: 'n' }).setProtectedHeader({ alg: 'ES256', x5c }).sign(leafKey);
    await expect(jose.jwtVerify(jwt, await jose.importX509(pem(x5c[0]), 'ES256'))).resolves.toBeTruthy();
  });

  it('is new at every start', () => {
    expect(makeTestCertificateChain().x5c[0]).not.toBe(makeTestCertificateChain().x5c[0]);
  });
});
