import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import type { ApiResponse } from './support/api.js';
import { authorizationCodeToken, clientCredentialsToken, postCamara } from './support/camara-api.js';
import { loadSpec, specViolations } from './support/spec-schema.js';
import { SIM_2, SIM_3, startTestOperator, type TestOperator } from './support/test-operator.js';

const spec = loadSpec('number-recycling.yaml');
const TAKEN_OVER = '2026-01-01';
const NOT_APPLICABLE = '+34600000055';
const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

describe('sandbox Number Recycling API (CAMARA v0.2.0)', () => {
  let operator: TestOperator;
  let twoLegged: string;
  const check = (body: unknown, token?: string, headers?: Record<string, string>) =>
    postCamara(`${operator.sandbox.issuer}/number-recycling/v0.2/check`, { token, body, headers });
  const expectDocumented = (response: ApiResponse) => expect(specViolations(spec, '/check', response.status, response.json)).toEqual([]);

  beforeAll(async () => {
    operator = await startTestOperator({ lines: { recycledNumbers: { [SIM_3.phoneNumber]: TAKEN_OVER }, serviceNotApplicable: [NOT_APPLICABLE] } });
    twoLegged = (await clientCredentialsToken(operator, 'number-recycling:check')).access_token;
  });
  afterAll(() => operator.close());

  describe('with a 2-legged token (client credentials) and phoneNumber', () => {
    it.each([
      ['a day before the takeover', '2025-12-31', true],
      ['long before', '2019-05-01', true],
      ['the day of the takeover itself', TAKEN_OVER, false],
      ['after it', '2026-01-02', false],
    ])('answers for %s (%s): recycled %p', async (_case, specifiedDate, recycled) => {
      const response = await check({ phoneNumber: SIM_3.phoneNumber, specifiedDate }, twoLegged);
      expect(response.status).toBe(200);
      expect(response.json).toEqual({ phoneNumberRecycled: recycled });
      expectDocumented(response);
    });

    it('answers false for a number never recycled', async () => {
      expect((await check({ phoneNumber: SIM_2.phoneNumber, specifiedDate: '2000-01-01' }, twoLegged)).json).toEqual({ phoneNumberRecycled: false });
    });

    it('refuses a call without phoneNumber with 422 MISSING_IDENTIFIER', async () => {
      const response = await check({ specifiedDate: '2024-01-01' }, twoLegged);
      expect(response.json).toEqual({ status: 422, code: 'MISSING_IDENTIFIER', message: 'The phone number cannot be identified' });
      expectDocumented(response);
    });

    it('refuses a number the sandbox does not serve with 404 IDENTIFIER_NOT_FOUND', async () => {
      const response = await check({ phoneNumber: '+34600000099', specifiedDate: '2024-01-01' }, twoLegged);
      expect(response.json).toEqual({ status: 404, code: 'IDENTIFIER_NOT_FOUND', message: 'Phone number not found.' });
      expectDocumented(response);
    });

    it('refuses a line without subscriber history with 422 SERVICE_NOT_APPLICABLE', async () => {
      const response = await check({ phoneNumber: NOT_APPLICABLE, specifiedDate: '2024-01-01' }, twoLegged);
      expect(response.json).toEqual({ status: 422, code: 'SERVICE_NOT_APPLICABLE', message: 'The service is not available for the provided phone number' });
      expectDocumented(response);
    });
  });

  describe('with a 3-legged token (authorization code on the SIM)', () => {
    it('answers for the token\'s subscriber without phoneNumber', async () => {
      const token = await authorizationCodeToken(operator, SIM_3.address, 'number-recycling:check');
      const response = await check({ specifiedDate: '2025-06-01' }, token);
      expect(response.json).toEqual({ phoneNumberRecycled: true });
      expectDocumented(response);
    });

    it('refuses phoneNumber, even the subscriber\'s own, with 422 UNNECESSARY_IDENTIFIER', async () => {
      const token = await operator.sandbox.mintAccessToken({ phoneNumber: SIM_2.phoneNumber, scope: 'number-recycling:check' });
      const response = await check({ phoneNumber: SIM_2.phoneNumber, specifiedDate: '2024-01-01' }, token);
      expect(response.json).toEqual({ status: 422, code: 'UNNECESSARY_IDENTIFIER', message: 'The phone number is already identified by the access token' });
      expectDocumented(response);
    });
  });

  describe('errors every call can meet', () => {
    it.each([
      ['no specifiedDate', { phoneNumber: SIM_2.phoneNumber }],
      ['a date-time instead of a date', { phoneNumber: SIM_2.phoneNumber, specifiedDate: '2024-01-01T00:00:00Z' }],
      ['a day that does not exist', { phoneNumber: SIM_2.phoneNumber, specifiedDate: '2024-02-30' }],
      ['a number without +', { phoneNumber: '34600000002', specifiedDate: '2024-01-01' }],
      ['a body that is not JSON', 'specifiedDate=2024-01-01'],
    ])('refuses %s with 400 INVALID_ARGUMENT', async (_case, body) => {
      const response = await check(body, twoLegged);
      expect(response.json).toEqual({ status: 400, code: 'INVALID_ARGUMENT', message: expect.any(String) });
      expectDocumented(response);
    });

    it('refuses a date in the future with 400 OUT_OF_RANGE', async () => {
      const response = await check({ phoneNumber: SIM_2.phoneNumber, specifiedDate: tomorrow() }, twoLegged);
      expect(response.json).toEqual({ status: 400, code: 'OUT_OF_RANGE', message: 'specifiedDate must not be in the future' });
      expectDocumented(response);
    });

    it('refuses a call without a valid token with 401 UNAUTHENTICATED', async () => {
      const response = await check({ phoneNumber: SIM_2.phoneNumber, specifiedDate: '2024-01-01' }, 'garbage');
      expect(response.status).toBe(401);
      expect(response.json).toMatchObject({ code: 'UNAUTHENTICATED' });
      expectDocumented(response);
    });

    it('refuses a token without number-recycling:check with 403 PERMISSION_DENIED', async () => {
      const token = (await clientCredentialsToken(operator, 'sim-swap:check')).access_token;
      const response = await check({ phoneNumber: SIM_2.phoneNumber, specifiedDate: '2024-01-01' }, token);
      expect(response.json).toEqual({ status: 403, code: 'PERMISSION_DENIED', message: expect.any(String) });
      expectDocumented(response);
    });

    it('echoes x-correlator', async () => {
      const response = await check({ phoneNumber: SIM_2.phoneNumber, specifiedDate: '2024-01-01' }, twoLegged, { 'x-correlator': 'recycling-7' });
      expect(response.headers['x-correlator']).toBe('recycling-7');
    });
  });
});
