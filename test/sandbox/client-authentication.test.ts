import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as client from 'openid-client';

import { openDeviceBrowser } from './support/device-browser.js';
import {
  buildAuthorizationRequest,
  discoverAsRelyingParty,
  exchangeCode,
  generateRelyingPartyKeys,
  REDIRECT_URI,
} from './support/relying-party.js';
import { SIM_2, startTestOperator, type TestOperator } from './support/test-operator.js';

describe('sandbox token endpoint: private_key_jwt client authentication', () => {
  let operator: TestOperator;

  beforeAll(async () => {
    operator = await startTestOperator();
  });
  afterAll(() => operator.close());

  async function codeFor(config: client.Configuration) {
    const request = await buildAuthorizationRequest(config);
    return { request, callback: await openDeviceBrowser(SIM_2.address).authorize(request.url, REDIRECT_URI) };
  }

  it('accepts an assertion addressed to the token endpoint (CAMARA profile)', async () => {
    const config = await discoverAsRelyingParty(operator.sandbox.issuer, operator.jwks.keys, 'token-endpoint');
    const { request, callback } = await codeFor(config);
    await expect(exchangeCode(config, callback, request)).resolves.toHaveProperty('access_token');
  });

  it('accepts an assertion addressed to the issuer', async () => {
    const config = await discoverAsRelyingParty(operator.sandbox.issuer, operator.jwks.keys, 'issuer');
    const { request, callback } = await codeFor(config);
    await expect(exchangeCode(config, callback, request)).resolves.toHaveProperty('access_token');
  });

  it('refuses an assertion signed with a key that is not in the client\'s JWKS with invalid_client', async () => {
    const impostor = await generateRelyingPartyKeys(operator.jwks.keys.kid);
    const config = await discoverAsRelyingParty(operator.sandbox.issuer, impostor);
    const { request, callback } = await codeFor(config);
    await expect(exchangeCode(config, callback, request)).rejects.toMatchObject({ error: 'invalid_client' });
  });

  it('refuses a code exchanged with the wrong PKCE verifier', async () => {
    const config = await discoverAsRelyingParty(operator.sandbox.issuer, operator.jwks.keys);
    const { request, callback } = await codeFor(config);
    await expect(exchangeCode(config, callback, { ...request, codeVerifier: client.randomPKCECodeVerifier() })).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
