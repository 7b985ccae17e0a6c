import { createHash } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { callNumberVerification } from './support/api.js';
import { openDeviceBrowser } from './support/device-browser.js';
import { buildAuthorizationRequest, discoverAsRelyingParty, exchangeCode, REDIRECT_URI } from './support/relying-party.js';
import { SIM_2, startTestOperator, type TestOperator } from './support/test-operator.js';

const VERIFY = 'number-verification:verify';
const READ = 'number-verification:device-phone-number:read';
const VONAGE_VERIFY = 'dpv:FraudPreventionAndDetection#number-verification-verify-read';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

describe('sandbox Number Verification API (CAMARA v2.1.0)', () => {
  let operator: TestOperator;
  let issuer: string;
  let verifyToken: string;

  beforeAll(async () => {
    operator = await startTestOperator();
    issuer = operator.sandbox.issuer;
    verifyToken = await operator.sandbox.mintAccessToken({ phoneNumber: SIM_2.phoneNumber, scope: VERIFY });
  });
  afterAll(() => operator.close());

  const verify = (body: string, token = verifyToken, headers?: Record<string, string>) =>
    callNumberVerification(issuer, 'verify', { token, body, headers });

  describe('with a token from the real authorization flow', () => {
    it('verifies the SIM\'s own number as true and reads it back', async () => {
      const config = await discoverAsRelyingParty(issuer, operator.jwks.keys);
      const request = await buildAuthorizationRequest(config, { scope: `openid ${VERIFY} ${READ}` });
      const { access_token: token } = await exchangeCode(config, await openDeviceBrowser(SIM_2.address).authorize(request.url, REDIRECT_URI), request);

      const verified = await callNumberVerification(issuer, 'verify', { token, body: JSON.stringify({ phoneNumber: SIM_2.phoneNumber }) });
      expect(verified.status).toBe(200);
      expect(verified.json).toEqual({ devicePhoneNumberVerified: true });

      const read = await callNumberVerification(issuer, 'device-phone-number', { token });
      expect(read.status).toBe(200);
      expect(read.json).toEqual({ devicePhoneNumber: SIM_2.phoneNumber });
    });
  });

  describe('POST /verify', () => {
    it('answers true for the subscriber\'s number and false for another', async () => {
      expect((await verify(JSON.stringify({ phoneNumber: SIM_2.phoneNumber }))).json).toEqual({ devicePhoneNumberVerified: true });
      expect((await verify(JSON.stringify({ phoneNumber: '+34600000099' }))).json).toEqual({ devicePhoneNumberVerified: false });
    });

    it('compares a hashed number in lower or upper case hex', async () => {
      const hashed = sha256Hex(SIM_2.phoneNumber);
      expect((await verify(JSON.stringify({ hashedPhoneNumber: hashed }))).json).toEqual({ devicePhoneNumberVerified: true });
      expect((await verify(JSON.stringify({ hashedPhoneNumber: hashed.toUpperCase() }))).json).toEqual({ devicePhoneNumberVerified: true });
      expect((await verify(JSON.stringify({ hashedPhoneNumber: sha256Hex('+34600000099') }))).json).toEqual({ devicePhoneNumberVerified: false });
    });

    it('accepts Vonage\'s dpv verify scope', async () => {
      const token = await operator.sandbox.mintAccessToken({ phoneNumber: SIM_2.phoneNumber, scope: VONAGE_VERIFY });
      expect((await verify(JSON.stringify({ phoneNumber: SIM_2.phoneNumber }), token)).json).toEqual({ devicePhoneNumberVerified: true });
    });

    it.each([
      ['no number', '{}'],
      ['both numbers', JSON.stringify({ phoneNumber: SIM_2.phoneNumber, hashedPhoneNumber: sha256Hex(SIM_2.phoneNumber) })],
      ['a number without +', JSON.stringify({ phoneNumber: '34600000002' })],
      ['a number too short', JSON.stringify({ phoneNumber: '+3460' })],
      ['a number that is not a string', JSON.stringify({ phoneNumber: 34600000002 })],
      ['a hash that is not 64 hex characters', JSON.stringify({ hashedPhoneNumber: 'abc123' })],
      ['an extra property', JSON.stringify({ phoneNumber: SIM_2.phoneNumber, extra: true })],
      ['an unknown property alone', JSON.stringify({ msisdn: SIM_2.phoneNumber })],
      ['a body that is not JSON', 'phoneNumber=+34600000002'],
      ['a JSON array', JSON.stringify([{ phoneNumber: SIM_2.phoneNumber }])],
      ['an empty body', ''],
    ])('refuses %s with 400 INVALID_ARGUMENT', async (_case, body) => {
      const response = await verify(body);
      expect(response.status).toBe(400);
      expect(response.json).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT' });
      expect(typeof (response.json as { message: unknown }).message).toBe('string');
    });
  });

  describe('GET /device-phone-number', () => {
    it('returns the subscriber\'s number', async () => {
      const token = await operator.sandbox.mintAccessToken({ phoneNumber: SIM_2.phoneNumber, scope: READ });
      const response = await callNumberVerification(issuer, 'device-phone-number', { token });
      expect(response.status).toBe(200);
      expect(response.json).toEqual({ devicePhoneNumber: SIM_2.phoneNumber });
    });
  });

  describe('access tokens', () => {
    const UNAUTHENTICATED = {
      status: 401,
      code: 'UNAUTHENTICATED',
      message: 'Request not authenticated due to missing, invalid, or expired credentials. A new authentication is required.',
    };

    it('refuses a call without a token with 401 UNAUTHENTICATED', async () => {
      const response = await callNumberVerification(issuer, 'verify', { body: JSON.stringify({ phoneNumber: SIM_2.phoneNumber }) });
      expect(response.status).toBe(401);
      expect(response.json).toEqual(UNAUTHENTICATED);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    });

    it('refuses a garbage token with 401 UNAUTHENTICATED', async () => {
      const response = await callNumberVerification(issuer, 'device-phone-number', { token: 'not-a-jwt' });
      expect(response.status).toBe(401);
      expect(response.json).toEqual(UNAUTHENTICATED);
    });

    it('refuses an expired token with 401 UNAUTHENTICATED', async () => {
      const expired = await operator.sandbox.mintAccessToken({ phoneNumber: SIM_2.phoneNumber, scope: VERIFY, expiresInSeconds: -60 });
      const response = await verify(JSON.stringify({ phoneNumber: SIM_2.phoneNumber }), expired);
      expect(response.status).toBe(401);
      expect(response.json).toEqual(UNAUTHENTICATED);
    });

    it('refuses a token issued by another operator with 401 UNAUTHENTICATED', async () => {
      const other = await startTestOperator();
      try {
        const foreign = await other.sandbox.mintAccessToken({ phoneNumber: SIM_2.phoneNumber, scope: VERIFY });
        expect((await verify(JSON.stringify({ phoneNumber: SIM_2.phoneNumber }), foreign)).status).toBe(401);
      } finally {
        await other.close();
      }
    });

    it('refuses a token without the endpoint\'s scope with 403 PERMISSION_DENIED', async () => {
      const readOnly = await operator.sandbox.mintAccessToken({ phoneNumber: SIM_2.phoneNumber, scope: READ });
      const verifyResponse = await verify(JSON.stringify({ phoneNumber: SIM_2.phoneNumber }), readOnly);
      expect(verifyResponse.status).toBe(403);
      expect(verifyResponse.json).toEqual({ status: 403, code: 'PERMISSION_DENIED', message: 'Client does not have sufficient permissions to perform this action.' });

      const readResponse = await callNumberVerification(issuer, 'device-phone-number', { token: verifyToken });
      expect(readResponse.status).toBe(403);
      expect(readResponse.json).toMatchObject({ code: 'PERMISSION_DENIED' });
    });

    it('refuses a token whose user was not authenticated by the mobile network with 403', async () => {
      const byPassword = await operator.sandbox.mintAccessToken({ phoneNumber: SIM_2.phoneNumber, scope: `${VERIFY} ${READ}`, amr: ['pwd'] });
      for (const response of [
        await verify(JSON.stringify({ phoneNumber: SIM_2.phoneNumber }), byPassword),
        await callNumberVerification(issuer, 'device-phone-number', { token: byPassword }),
      ]) {
        expect(response.status).toBe(403);
        expect(response.json).toEqual({
          status: 403,
          code: 'NUMBER_VERIFICATION.USER_NOT_AUTHENTICATED_BY_MOBILE_NETWORK',
          message: 'Client must authenticate via the mobile network to use this service',
        });
      }
    });
  });

  describe('x-correlator', () => {
    it('echoes a valid x-correlator, on success and on error', async () => {
      const ok = await verify(JSON.stringify({ phoneNumber: SIM_2.phoneNumber }), verifyToken, { 'x-correlator': 'b4333c46-49c0-4f62-80d7-f0ef930f1c46' });
      expect(ok.headers['x-correlator']).toBe('b4333c46-49c0-4f62-80d7-f0ef930f1c46');
      const failed = await callNumberVerification(issuer, 'device-phone-number', { headers: { 'x-correlator': 'req:42;{a}<b>/c' } });
      expect(failed.status).toBe(401);
      expect(failed.headers['x-correlator']).toBe('req:42;{a}<b>/c');
    });

    it('generates one when the request has none', async () => {
      const response = await verify(JSON.stringify({ phoneNumber: SIM_2.phoneNumber }));
      expect(response.headers['x-correlator']).toMatch(UUID);
    });

    it('refuses an x-correlator outside the CAMARA pattern with 400 INVALID_ARGUMENT', async () => {
      for (const correlator of ['has spaces', 'x'.repeat(257), 'quote"d']) {
        const response = await verify(JSON.stringify({ phoneNumber: SIM_2.phoneNumber }), verifyToken, { 'x-correlator': correlator });
        expect(response.status).toBe(400);
        expect(response.json).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT' });
        expect(response.headers['x-correlator']).not.toBe(correlator);
      }
    });
  });

  it('answers an unknown API path with a CAMARA 404', async () => {
    const unknown = await fetch(`${issuer}/number-verification/v2/unknown`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });
});
