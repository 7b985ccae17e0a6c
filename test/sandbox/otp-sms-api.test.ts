import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import type { ApiResponse } from './support/api.js';
import { authorizationCodeToken, clientCredentialsToken, postCamara } from './support/camara-api.js';
import { loadSpec, specViolations } from './support/spec-schema.js';
import { SIM_2, SIM_3, startTestOperator, type TestOperator } from './support/test-operator.js';

const spec = loadSpec('one-time-password-sms.yaml');
const SCOPE = 'one-time-password-sms:send-validate';
const MESSAGE = '{{code}} is your code for Cool App';
const BLOCKED = '+34600000066';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Endpoint = 'send-code' | 'validate-code';

describe('sandbox One Time Password SMS API (CAMARA v1.1.1)', () => {
  let operator: TestOperator;
  let twoLegged: string;
  const printed: string[] = [];
  const logged: string[] = [];
  const call = (endpoint: Endpoint, body: unknown, token = twoLegged, target = operator) =>
    postCamara(`${target.sandbox.issuer}/one-time-password-sms/v1/${endpoint}`, { token, body });
  const expectDocumented = (response: ApiResponse, endpoint: Endpoint) =>
    expect(specViolations(spec, `/${endpoint}`, response.status, response.json)).toEqual([]);
  /** sends a code to `phoneNumber` and returns the authenticationId with the code the "phone" received */
  const sendCode = async (phoneNumber = SIM_2.phoneNumber, target = operator, token = twoLegged) => {
    const response = await call('send-code', { phoneNumber, message: MESSAGE }, token, target);
    expect(response.status).toBe(200);
    const { authenticationId } = response.json as { authenticationId: string };
    const sms = target.sandbox.sentSms(phoneNumber).find((sent) => sent.authenticationId === authenticationId);
    return { authenticationId, code: sms!.code, response };
  };

  beforeAll(async () => {
    operator = await startTestOperator({
      lines: { otpSms: { maxAttempts: 3, blockedNumbers: [BLOCKED] } },
      logger: { warn: () => {}, info: (line) => logged.push(line), print: (text) => printed.push(text) },
    });
    twoLegged = (await clientCredentialsToken(operator, SCOPE)).access_token;
  });
  afterAll(() => operator.close());

  describe('send-code and validate-code with a 2-legged token (client credentials)', () => {
    it('sends an alphanumeric code in the message and validates it once (204, then VERIFICATION_EXPIRED)', async () => {
      const { authenticationId, code, response } = await sendCode();
      expect(authenticationId).toMatch(UUID);
      expectDocumented(response, 'send-code');
      expect(code).toMatch(/^[A-Z0-9]{4,6}$/);
      expect(code).toMatch(/[A-Z]/);
      expect(operator.sandbox.sentSms(SIM_2.phoneNumber)[0]).toMatchObject({ text: `${code} is your code for Cool App`, authenticationId });

      const validated = await call('validate-code', { authenticationId, code });
      expect(validated.status).toBe(204);
      expect(validated.body).toBe('');
      expectDocumented(validated, 'validate-code');

      const again = await call('validate-code', { authenticationId, code });
      expect(again.json).toEqual({ status: 400, code: 'ONE_TIME_PASSWORD_SMS.VERIFICATION_EXPIRED', message: 'The authenticationId is no longer valid' });
      expectDocumented(again, 'validate-code');
    });

    it('prints the SMS with its code for a developer, and logs neither the code nor the full number', async () => {
      const { code } = await sendCode(SIM_3.phoneNumber);
      expect(printed.at(-1)).toContain(`${code} is your code`);
      expect(printed.at(-1)).not.toContain(SIM_3.phoneNumber);
      expect(logged.join('\n')).not.toContain(code);
      expect(logged.join('\n')).not.toContain(SIM_3.phoneNumber);
    });

    it('accepts the code typed in lower case', async () => {
      const { authenticationId, code } = await sendCode();
      expect((await call('validate-code', { authenticationId, code: code.toLowerCase() })).status).toBe(204);
    });

    it('answers a wrong code with INVALID_OTP, the last attempt and any after with VERIFICATION_FAILED', async () => {
      const { authenticationId, code } = await sendCode();
      for (let attempt = 1; attempt <= 2; attempt++) {
        const wrong = await call('validate-code', { authenticationId, code: 'WRONG1' });
        expect(wrong.json).toEqual({ status: 400, code: 'ONE_TIME_PASSWORD_SMS.INVALID_OTP', message: 'The provided OTP is not valid for this authenticationId' });
        expectDocumented(wrong, 'validate-code');
      }
      const last = await call('validate-code', { authenticationId, code: 'WRONG1' });
      const failed = { status: 400, code: 'ONE_TIME_PASSWORD_SMS.VERIFICATION_FAILED', message: 'The maximum number of attempts for this authenticationId was exceeded without providing a valid OTP' };
      expect(last.json).toEqual(failed);
      expectDocumented(last, 'validate-code');
      expect((await call('validate-code', { authenticationId, code })).json).toEqual(failed);
    });

    it('keeps each send its own code: an earlier authenticationId stays valid', async () => {
      const first = await sendCode();
      const second = await sendCode();
      expect(second.authenticationId).not.toBe(first.authenticationId);
      expect((await call('validate-code', { authenticationId: first.authenticationId, code: first.code })).status).toBe(204);
      expect((await call('validate-code', { authenticationId: second.authenticationId, code: second.code })).status).toBe(204);
    });

    it('answers an unknown authenticationId, or another client\'s, with 404 NOT_FOUND', async () => {
      const unknown = await call('validate-code', { authenticationId: '00000000-0000-4000-8000-000000000000', code: 'AJY3' });
      expect(unknown.json).toEqual({ status: 404, code: 'NOT_FOUND', message: 'The specified resource is not found.' });
      expectDocumented(unknown, 'validate-code');
      const { authenticationId, code } = await sendCode();
      const otherClient = await operator.sandbox.mintAccessToken({ scope: SCOPE, clientId: 'another-application' });
      expect((await call('validate-code', { authenticationId, code }, otherClient)).status).toBe(404);
    });

    it('refuses a blocked number with 403 PHONE_NUMBER_BLOCKED and a number it does not serve with 403 PHONE_NUMBER_NOT_ALLOWED', async () => {
      const blocked = await call('send-code', { phoneNumber: BLOCKED, message: MESSAGE });
      expect(blocked.json).toEqual({ status: 403, code: 'ONE_TIME_PASSWORD_SMS.PHONE_NUMBER_BLOCKED', message: expect.any(String) });
      expectDocumented(blocked, 'send-code');
      const foreign = await call('send-code', { phoneNumber: '+447700900123', message: MESSAGE });
      expect(foreign.json).toEqual({ status: 403, code: 'ONE_TIME_PASSWORD_SMS.PHONE_NUMBER_NOT_ALLOWED', message: expect.any(String) });
      expectDocumented(foreign, 'send-code');
      expect(operator.sandbox.sentSms(BLOCKED)).toEqual([]);
    });
  });

  describe('with a 3-legged token (authorization code on the SIM)', () => {
    it('sends to the token\'s own subscriber and refuses another number with 403 PERMISSION_DENIED', async () => {
      const token = await authorizationCodeToken(operator, SIM_3.address, SCOPE);
      const { authenticationId, code } = await sendCode(SIM_3.phoneNumber, operator, token);
      expect((await call('validate-code', { authenticationId, code }, token)).status).toBe(204);
      const other = await call('send-code', { phoneNumber: SIM_2.phoneNumber, message: MESSAGE }, token);
      expect(other.json).toEqual({ status: 403, code: 'PERMISSION_DENIED', message: expect.any(String) });
      expectDocumented(other, 'send-code');
    });

    it('still requires phoneNumber (the spec\'s SendCodeBody requires it)', async () => {
      const token = await operator.sandbox.mintAccessToken({ phoneNumber: SIM_2.phoneNumber, scope: SCOPE });
      expect((await call('send-code', { message: MESSAGE }, token)).json).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT' });
    });
  });

  describe('limits', () => {
    it('refuses more than maxCodesPerHour sends to a number with 403 MAX_OTP_CODES_EXCEEDED', async () => {
      const limited = await startTestOperator({ lines: { otpSms: { maxCodesPerHour: 2 } } });
      try {
        const token = await limited.sandbox.mintAccessToken({ scope: SCOPE });
        await sendCode(SIM_2.phoneNumber, limited, token);
        await sendCode(SIM_2.phoneNumber, limited, token);
        const third = await call('send-code', { phoneNumber: SIM_2.phoneNumber, message: MESSAGE }, token, limited);
        expect(third.json).toEqual({ status: 403, code: 'ONE_TIME_PASSWORD_SMS.MAX_OTP_CODES_EXCEEDED', message: 'Too many OTPs have been requested for this MSISDN. Try later.' });
        expectDocumented(third, 'send-code');
        expect((await call('send-code', { phoneNumber: SIM_3.phoneNumber, message: MESSAGE }, token, limited)).status).toBe(200);
      } finally {
        await limited.close();
      }
    });

    it('answers a code after codeTtlSeconds with VERIFICATION_EXPIRED', async () => {
      const shortLived = await startTestOperator({ lines: { otpSms: { codeTtlSeconds: 0.3 } } });
      try {
        const token = await shortLived.sandbox.mintAccessToken({ scope: SCOPE });
        const { authenticationId, code } = await sendCode(SIM_2.phoneNumber, shortLived, token);
        await sleep(400);
        const late = await call('validate-code', { authenticationId, code }, token, shortLived);
        expect(late.json).toMatchObject({ status: 400, code: 'ONE_TIME_PASSWORD_SMS.VERIFICATION_EXPIRED' });
      } finally {
        await shortLived.close();
      }
    });
  });

  describe('errors every call can meet', () => {
    it.each([
      ['no phoneNumber', { message: MESSAGE }],
      ['no message', { phoneNumber: SIM_2.phoneNumber }],
      ['a message without {{code}}', { phoneNumber: SIM_2.phoneNumber, message: 'your code' }],
      ['a message over 160 characters', { phoneNumber: SIM_2.phoneNumber, message: `{{code}} ${'x'.repeat(152)}` }],
      ['a body that is not JSON', 'phoneNumber=+34600000002'],
    ])('send-code refuses %s with 400 INVALID_ARGUMENT', async (_case, body) => {
      const response = await call('send-code', body);
      expect(response.json).toEqual({ status: 400, code: 'INVALID_ARGUMENT', message: expect.any(String) });
      expectDocumented(response, 'send-code');
    });

    it.each([
      ['no code', { authenticationId: '00000000-0000-4000-8000-000000000000' }],
      ['a code over 10 characters', { authenticationId: '00000000-0000-4000-8000-000000000000', code: 'ABCDEFGHIJK' }],
      ['no authenticationId', { code: 'AJY3' }],
      ['an authenticationId over 36 characters', { authenticationId: 'a'.repeat(37), code: 'AJY3' }],
    ])('validate-code refuses %s with 400 INVALID_ARGUMENT', async (_case, body) => {
      const response = await call('validate-code', body);
      expect(response.json).toEqual({ status: 400, code: 'INVALID_ARGUMENT', message: expect.any(String) });
      expectDocumented(response, 'validate-code');
    });

    it('accepts a message of exactly 160 characters', async () => {
      expect((await call('send-code', { phoneNumber: SIM_3.phoneNumber, message: `{{code}} ${'x'.repeat(151)}` })).status).toBe(200);
    });

    it('refuses a call without a valid token with 401 and one without the scope with 403 PERMISSION_DENIED', async () => {
      for (const endpoint of ['send-code', 'validate-code'] as const) {
        const unauthenticated = await call(endpoint, {}, 'garbage');
        expect(unauthenticated.json).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
        expectDocumented(unauthenticated, endpoint);
        const noScope = await call(endpoint, {}, (await clientCredentialsToken(operator, 'sim-swap:check')).access_token);
        expect(noScope.json).toEqual({ status: 403, code: 'PERMISSION_DENIED', message: expect.any(String) });
        expectDocumented(noScope, endpoint);
      }
    });
  });
});
