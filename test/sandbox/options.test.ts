import { createServer } from 'node:net';

import { describe, expect, it } from '@jest/globals';

import { startSandboxOperator, type SandboxOptions } from '../../src/sandbox/index.js';

const silent = { warn: () => {}, info: () => {} };
const base: SandboxOptions = { port: 0, clients: [], sims: {}, logger: silent };

describe('sandbox options are checked at start', () => {
  it.each<[string, Partial<SandboxOptions>, RegExp]>([
    ['a fault status that is not 5xx', { faults: { failStatus: 404 } }, /failStatus/],
    ['a negative delay', { faults: { delayMs: -1 } }, /delayMs/],
    ['an unknown fault endpoint', { faults: { endpoints: ['userinfo' as never] } }, /endpoints/],
    ['a SIM number that is not E.164', { sims: { '127.0.0.2': '600000002' } }, /E\.164/],
    ['a SIM address that is not an IP address', { sims: { 'phone-1': '+34600000002' } }, /not an IP address/],
    ['a client without redirect URIs', { clients: [{ clientId: 'c', jwksUri: 'http://127.0.0.1/jwks', redirectUris: [] }] }, /redirectUris/],
  ])('refuses %s', async (_case, override, message) => {
    await expect(startSandboxOperator({ ...base, ...override })).rejects.toThrow(message);
  });

  it('refuses, at start, a client the authorization server would refuse, and frees its port', async () => {
    const port = await findFreePort();
    const badClient = { clientId: 'c', jwksUri: 'http://127.0.0.1/jwks', redirectUris: ['http://localhost/cb#fragment'] };
    await expect(startSandboxOperator({ ...base, port, clients: [badClient] })).rejects.toThrow(/invalid_redirect_uri/);
    const again = await startSandboxOperator({ ...base, port });
    await again.close();
  });

  it('starts on a free port with an issuer on the loopback address and no trailing slash', async () => {
    const sandbox = await startSandboxOperator(base);
    try {
      expect(sandbox.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await sandbox.close();
    }
  });
});

function findFreePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
