import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type * as client from 'openid-client';

import { openDeviceBrowser } from './support/device-browser.js';
import { buildAuthorizationRequest, discoverAsRelyingParty, exchangeCode, REDIRECT_URI } from './support/relying-party.js';
import { SIM_2, startTestOperator, type TestOperator } from './support/test-operator.js';

describe('sandbox operator: silent authorization of a device on the mobile network', () => {
  let operator: TestOperator;
  let config: client.Configuration;

  beforeAll(async () => {
    operator = await startTestOperator();
    config = await discoverAsRelyingParty(operator.sandbox.issuer, operator.jwks.keys);
  });
  afterAll(() => operator.close());

  it('gives a SIM device a code that exchanges for tokens', async () => {
    const request = await buildAuthorizationRequest(config);
    const callback = await openDeviceBrowser(SIM_2.address).authorize(request.url, REDIRECT_URI);
    expect(callback.searchParams.get('iss')).toBe(operator.sandbox.issuer);
    const tokens = await exchangeCode(config, callback, request);
    expect(decodeProtectedHeader(tokens.access_token).typ).toBe('at+jwt');
    expect(decodeJwt(tokens.access_token)).toMatchObject({ phone_number: SIM_2.phoneNumber, amr: ['nba'] });
  });
});
