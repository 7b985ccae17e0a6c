import { afterEach, describe, expect, it } from '@jest/globals';

import { callNumberVerification } from './support/api.js';
import { openDeviceBrowser } from './support/device-browser.js';
import { buildAuthorizationRequest, discoverAsRelyingParty, exchangeCode, REDIRECT_URI } from './support/relying-party.js';
import { SIM_2, startTestOperator, type TestOperator } from './support/test-operator.js';

describe('sandbox fault injection', () => {
  let operator: TestOperator | undefined;
  afterEach(() => operator?.close());

  const verifyBody = JSON.stringify({ phoneNumber: SIM_2.phoneNumber });
  const tokenFor = (scope = 'number-verification:verify') => operator!.sandbox.mintAccessToken({ phoneNumber: SIM_2.phoneNumber, scope });

  it('delays the Number Verification API by delayMs, then answers normally', async () => {
    operator = await startTestOperator({ faults: { delayMs: 300 } });
    const started = Date.now();
    const response = await callNumberVerification(operator.sandbox.issuer, 'verify', { token: await tokenFor(), body: verifyBody });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(response.json).toEqual({ devicePhoneNumberVerified: true });
  });

  it('answers failStatus with a CAMARA body on both API endpoints by default', async () => {
    operator = await startTestOperator({ faults: { failStatus: 503 } });
    const verify = await callNumberVerification(operator.sandbox.issuer, 'verify', { token: await tokenFor(), body: verifyBody, headers: { 'x-correlator': 'fault-1' } });
    expect(verify.status).toBe(503);
    expect(verify.json).toEqual({ status: 503, code: 'UNAVAILABLE', message: expect.any(String) });
    expect(verify.headers['x-correlator']).toBe('fault-1');

    const read = await callNumberVerification(operator.sandbox.issuer, 'device-phone-number', { token: await tokenFor('number-verification:device-phone-number:read') });
    expect(read.status).toBe(503);
  });

  it('leaves the token endpoint alone unless it is listed', async () => {
    operator = await startTestOperator({ faults: { failStatus: 500 } });
    const config = await discoverAsRelyingParty(operator.sandbox.issuer, operator.jwks.keys);
    const request = await buildAuthorizationRequest(config);
    const tokens = await exchangeCode(config, await openDeviceBrowser(SIM_2.address).authorize(request.url, REDIRECT_URI), request);
    expect(tokens.access_token).toBeTruthy();
  });

  it('fails the token endpoint when listed, and only the listed endpoints', async () => {
    operator = await startTestOperator({ faults: { failStatus: 502, endpoints: ['token'] } });
    const config = await discoverAsRelyingParty(operator.sandbox.issuer, operator.jwks.keys);
    const request = await buildAuthorizationRequest(config);
    const callback = await openDeviceBrowser(SIM_2.address).authorize(request.url, REDIRECT_URI);
    await expect(exchangeCode(config, callback, request)).rejects.toThrow(/unexpected HTTP response status code/);

    const direct = await fetch(String(config.serverMetadata().token_endpoint), { method: 'POST' });
    expect(direct.status).toBe(502);
    expect(await direct.json()).toEqual({ status: 502, code: 'BAD_GATEWAY', message: expect.any(String) });

    const verify = await callNumberVerification(operator.sandbox.issuer, 'verify', { token: await tokenFor(), body: verifyBody });
    expect(verify.status).toBe(200);
  });
});
