import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { callNumberVerification, type ApiResponse } from './support/api.js';
import { authorizationCodeToken, clientCredentialsToken, postCamara } from './support/camara-api.js';
import { loadSpec, specViolations } from './support/spec-schema.js';
import { SIM_2, SIM_3, startTestOperator, type TestOperator } from './support/test-operator.js';

const spec = loadSpec('sim-swap.yaml');
const HOUR_MS = 3_600_000;
const RECYCLED = '+34600000044';
const NOT_APPLICABLE = '+34600000055';
const UNKNOWN = '+34600000099';
const daysAgo = (days: number) => new Date(Date.now() - days * 24 * HOUR_MS).toISOString().slice(0, 10);

describe('sandbox SIM Swap API (CAMARA v2.1.0)', () => {
  let operator: TestOperator;
  let startedAt: number;
  let twoLegged: string;
  const call = (endpoint: 'check' | 'retrieve-date', body: unknown, token?: string, headers?: Record<string, string>) =>
    postCamara(`${operator.sandbox.issuer}/sim-swap/v2/${endpoint}`, { token, body, headers });
  /** the answer is one the spec documents for this endpoint and status, body included */
  const expectDocumented = (response: ApiResponse, endpoint: 'check' | 'retrieve-date') =>
    expect(specViolations(spec, `/${endpoint}`, response.status, response.json)).toEqual([]);

  beforeAll(async () => {
    startedAt = Date.now();
    operator = await startTestOperator({
      lines: { simSwaps: { [SIM_3.phoneNumber]: 2 }, recycledNumbers: { [RECYCLED]: daysAgo(10) }, serviceNotApplicable: [NOT_APPLICABLE] },
    });
    twoLegged = (await clientCredentialsToken(operator, 'sim-swap:check sim-swap:retrieve-date')).access_token;
  });
  afterAll(() => operator.close());

  describe('with a 3-legged token (authorization code on the SIM) and no phoneNumber', () => {
    it('says a SIM swapped 2 hours ago was swapped within 3 hours, not within 1, and dates it', async () => {
      const token = await authorizationCodeToken(operator, SIM_3.address, 'sim-swap:check sim-swap:retrieve-date');
      const within1 = await call('check', { maxAge: 1 }, token);
      expect(within1.status).toBe(200);
      expect(within1.json).toEqual({ swapped: false });
      expectDocumented(within1, 'check');
      expect((await call('check', { maxAge: 3 }, token)).json).toEqual({ swapped: true });

      const date = await call('retrieve-date', {}, token);
      expect(date.status).toBe(200);
      expectDocumented(date, 'retrieve-date');
      const swappedAt = Date.parse((date.json as { latestSimChange: string }).latestSimChange);
      expect(Math.abs(swappedAt - (startedAt - 2 * HOUR_MS))).toBeLessThan(60_000);
    });

    it('answers for a SIM never swapped with its activation date and swapped false (default maxAge 240)', async () => {
      const token = await authorizationCodeToken(operator, SIM_2.address, 'sim-swap');
      expect((await call('check', {}, token)).json).toEqual({ swapped: false });
      expect((await call('retrieve-date', {}, token)).json).toEqual({ latestSimChange: '2020-01-01T00:00:00.000Z' });
    });

    it('refuses phoneNumber, even the subscriber\'s own, with 422 UNNECESSARY_IDENTIFIER', async () => {
      const token = await operator.sandbox.mintAccessToken({ phoneNumber: SIM_3.phoneNumber, scope: 'sim-swap' });
      for (const endpoint of ['check', 'retrieve-date'] as const) {
        const response = await call(endpoint, { phoneNumber: SIM_3.phoneNumber, maxAge: 24 }, token);
        expect(response.json).toEqual({ status: 422, code: 'UNNECESSARY_IDENTIFIER', message: 'The device is already identified by the access token.' });
        expectDocumented(response, endpoint);
      }
    });

    it('serves a subscriber the network authenticated even outside the SIM table (a SIM-picker number)', async () => {
      const token = await operator.sandbox.mintAccessToken({ phoneNumber: '+34600000077', scope: 'sim-swap:check' });
      expect((await call('check', { maxAge: 2400 }, token)).json).toEqual({ swapped: false });
    });
  });

  describe('with a 2-legged token (client credentials, private_key_jwt) and phoneNumber', () => {
    it('gets the token at the real token endpoint with the scopes asked for and no subscriber', async () => {
      const tokens = await clientCredentialsToken(operator, 'sim-swap:check');
      expect(tokens.scope).toBe('sim-swap:check');
      expect(tokens.token_type.toLowerCase()).toBe('bearer');
    });

    it('answers for the number in the body', async () => {
      const swapped = await call('check', { phoneNumber: SIM_3.phoneNumber, maxAge: 3 }, twoLegged);
      expect(swapped.json).toEqual({ swapped: true });
      expectDocumented(swapped, 'check');
      expect((await call('check', { phoneNumber: SIM_2.phoneNumber, maxAge: 2400 }, twoLegged)).json).toEqual({ swapped: false });
      const date = await call('retrieve-date', { phoneNumber: SIM_2.phoneNumber }, twoLegged);
      expect(date.json).toEqual({ latestSimChange: '2020-01-01T00:00:00.000Z' });
      expectDocumented(date, 'retrieve-date');
    });

    it('counts a recycled number\'s new subscription as its latest SIM change', async () => {
      const date = await call('retrieve-date', { phoneNumber: RECYCLED }, twoLegged);
      expect(date.json).toEqual({ latestSimChange: `${daysAgo(10)}T00:00:00.000Z` });
      expect((await call('check', { phoneNumber: RECYCLED, maxAge: 2400 }, twoLegged)).json).toEqual({ swapped: true });
      expect((await call('check', { phoneNumber: RECYCLED, maxAge: 24 }, twoLegged)).json).toEqual({ swapped: false });
    });

    it('refuses a call without phoneNumber with 422 MISSING_IDENTIFIER', async () => {
      for (const endpoint of ['check', 'retrieve-date'] as const) {
        const response = await call(endpoint, { maxAge: 24 }, twoLegged);
        expect(response.json).toEqual({ status: 422, code: 'MISSING_IDENTIFIER', message: 'The device cannot be identified.' });
        expectDocumented(response, endpoint);
      }
    });

    it('refuses a number the sandbox does not serve with 404 IDENTIFIER_NOT_FOUND', async () => {
      for (const endpoint of ['check', 'retrieve-date'] as const) {
        const response = await call(endpoint, { phoneNumber: UNKNOWN }, twoLegged);
        expect(response.json).toEqual({ status: 404, code: 'IDENTIFIER_NOT_FOUND', message: expect.any(String) });
        expectDocumented(response, endpoint);
      }
    });

    it('refuses a line without SIM history with 422 SERVICE_NOT_APPLICABLE', async () => {
      for (const endpoint of ['check', 'retrieve-date'] as const) {
        const response = await call(endpoint, { phoneNumber: NOT_APPLICABLE }, twoLegged);
        expect(response.json).toEqual({ status: 422, code: 'SERVICE_NOT_APPLICABLE', message: 'The service is not available for the provided identifier.' });
        expectDocumented(response, endpoint);
      }
    });

    it('cannot carry Number Verification scopes: that API is about the device that authenticated', async () => {
      const tokens = await clientCredentialsToken(operator, 'number-verification:verify sim-swap:check');
      expect(tokens.scope).toBe('sim-swap:check');
      const verify = await callNumberVerification(operator.sandbox.issuer, 'verify', { token: tokens.access_token, body: JSON.stringify({ phoneNumber: SIM_2.phoneNumber }) });
      expect(verify.json).toEqual({ status: 403, code: 'PERMISSION_DENIED', message: expect.any(String) });
    });
  });

  describe('maxAge', () => {
    it.each([0, 2401, -5])('refuses %p hours with 400 OUT_OF_RANGE', async (maxAge) => {
      const response = await call('check', { phoneNumber: SIM_2.phoneNumber, maxAge }, twoLegged);
      expect(response.json).toEqual({ status: 400, code: 'OUT_OF_RANGE', message: 'maxAge must be between 1 and 2400 hours' });
      expectDocumented(response, 'check');
    });

    it('accepts the bounds 1 and 2400', async () => {
      expect((await call('check', { phoneNumber: SIM_2.phoneNumber, maxAge: 1 }, twoLegged)).status).toBe(200);
      expect((await call('check', { phoneNumber: SIM_2.phoneNumber, maxAge: 2400 }, twoLegged)).status).toBe(200);
    });
  });

  describe('errors every call can meet', () => {
    it.each([
      ['maxAge as a string', { phoneNumber: SIM_2.phoneNumber, maxAge: '24' }],
      ['maxAge with a fraction', { phoneNumber: SIM_2.phoneNumber, maxAge: 1.5 }],
      ['a number without +', { phoneNumber: '34600000002' }],
      ['a number that is not a string', { phoneNumber: 34600000002 }],
      ['a body that is not JSON', 'phoneNumber=+34600000002'],
      ['a JSON array', [{ phoneNumber: SIM_2.phoneNumber }]],
    ])('refuses %s with 400 INVALID_ARGUMENT', async (_case, body) => {
      const response = await call('check', body, twoLegged);
      expect(response.json).toEqual({ status: 400, code: 'INVALID_ARGUMENT', message: expect.any(String) });
      expectDocumented(response, 'check');
    });

    it('refuses a call without a token, or with a garbage or expired one, with 401 UNAUTHENTICATED', async () => {
      const expired = await operator.sandbox.mintAccessToken({ scope: 'sim-swap', expiresInSeconds: -60 });
      for (const token of [undefined, 'garbage', expired]) {
        const response = await call('retrieve-date', { phoneNumber: SIM_2.phoneNumber }, token);
        expect(response.status).toBe(401);
        expect(response.headers['www-authenticate']).toBe('Bearer');
        expect(response.json).toMatchObject({ code: 'UNAUTHENTICATED' });
        expectDocumented(response, 'retrieve-date');
      }
    });

    it('refuses a token without the endpoint\'s scope with 403 PERMISSION_DENIED', async () => {
      const retrieveOnly = await operator.sandbox.mintAccessToken({ scope: 'sim-swap:retrieve-date' });
      const checkOnly = await operator.sandbox.mintAccessToken({ scope: 'sim-swap:check number-verification:verify' });
      const check = await call('check', { phoneNumber: SIM_2.phoneNumber }, retrieveOnly);
      expect(check.json).toEqual({ status: 403, code: 'PERMISSION_DENIED', message: expect.any(String) });
      expectDocumented(check, 'check');
      const retrieve = await call('retrieve-date', { phoneNumber: SIM_2.phoneNumber }, checkOnly);
      expect(retrieve.status).toBe(403);
      expectDocumented(retrieve, 'retrieve-date');
    });

    it('echoes a valid x-correlator, answers an invalid one with 400 and a fresh one', async () => {
      const echoed = await call('check', { phoneNumber: SIM_2.phoneNumber }, twoLegged, { 'x-correlator': 'sim-swap-1' });
      expect(echoed.headers['x-correlator']).toBe('sim-swap-1');
      const refused = await call('check', { phoneNumber: SIM_2.phoneNumber }, twoLegged, { 'x-correlator': 'not valid!' });
      expect(refused.json).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT' });
      expect(refused.headers['x-correlator']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('answers an unknown path with 404 NOT_FOUND', async () => {
      const response = await postCamara(`${operator.sandbox.issuer}/sim-swap/v2/nothing`, { token: twoLegged });
      expect(response.json).toEqual({ status: 404, code: 'NOT_FOUND', message: 'The specified resource is not found.' });
    });

    it('holds the schema checker to account: a wrong body breaks it', () => {
      expect(specViolations(spec, '/check', 200, { swapped: 'yes' })).toEqual(['$.swapped: not a boolean']);
      expect(specViolations(spec, '/retrieve-date', 200, { latestSimChange: '2020-01-01' })).not.toEqual([]);
      expect(specViolations(spec, '/check', 422, { status: 422, code: 'IDENTIFIER_MISMATCH', message: 'x' })).not.toEqual([]);
    });
  });

  it('fails with the injected 5xx when faults name sim-swap, and not otherwise', async () => {
    const faulty = await startTestOperator({ faults: { failStatus: 503, endpoints: ['sim-swap'] } });
    try {
      const token = await faulty.sandbox.mintAccessToken({ scope: 'sim-swap' });
      const response = await postCamara(`${faulty.sandbox.issuer}/sim-swap/v2/check`, { token, body: { phoneNumber: SIM_2.phoneNumber } });
      expect(response.json).toEqual({ status: 503, code: 'UNAVAILABLE', message: expect.any(String) });
      const recycling = await postCamara(`${faulty.sandbox.issuer}/number-recycling/v0.2/check`, {
        token: await faulty.sandbox.mintAccessToken({ scope: 'number-recycling:check' }),
        body: { phoneNumber: SIM_2.phoneNumber, specifiedDate: '2024-01-01' },
      });
      expect(recycling.status).toBe(200);
    } finally {
      await faulty.close();
    }
  });
});
