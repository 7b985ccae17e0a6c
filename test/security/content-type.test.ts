import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestBroker, type TestBroker } from '../support/broker.js';

/**
 * A foreign web page can send a "simple" cross-origin POST (no preflight): no body, or a text/plain,
 * form or multipart body. None of them may reach a native endpoint, least of all one that sends an SMS.
 */
describe('native POST endpoints accept only application/json', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker({ env: { OTP_RESEND_COOLDOWN_SECONDS: '0' }, background: false });
  });
  afterAll(() => broker?.close());

  const SIMPLE: Array<[string, Record<string, string>]> = [
    ['no content type, no body', {}],
    ['text/plain, no body', { 'content-type': 'text/plain' }],
    ['a form type, no body', { 'content-type': 'application/x-www-form-urlencoded' }],
  ];

  it.each(SIMPLE)('a body-less POST with %s is a 415 and sends no SMS (fallback, resend)', async (_label, headers) => {
    const device = broker.device('127.0.0.2');
    const started = (await device.post(`${broker.url}/v1/verifications`, { phoneNumber: '+34600000002', network: 'cellular' })).json();
    const sent = () => broker.deps.sms.inbox!.list('+34600000002').length;
    const before = sent();
    for (const action of ['fallback', 'resend', 'code']) {
      const res = await device.request('POST', `${broker.url}/v1/verifications/${started.verificationId}/${action}`, { headers });
      expect([action, res.status, res.json().code]).toEqual([action, 415, 'UNSUPPORTED_MEDIA_TYPE']);
    }
    const create = await device.request('POST', `${broker.url}/v1/verifications`, { headers });
    expect([create.status, create.json().code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    expect(sent()).toBe(before);
  });

  it('a text/plain body that holds JSON is a 415 too', async () => {
    const res = await broker.device().post(`${broker.url}/v1/verifications`, '{"phoneNumber":"+34600000003","network":"wifi"}', { 'content-type': 'text/plain' });
    expect([res.status, res.json().code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
  });

  it('application/json (with a charset) is accepted, with or without a body', async () => {
    const device = broker.device('127.0.0.2');
    const started = await device.post(`${broker.url}/v1/verifications`, JSON.stringify({ phoneNumber: '+34600000002' }), { 'content-type': 'application/json; charset=utf-8' });
    expect(started.status).toBe(201);
    const fallback = await device.request('POST', `${broker.url}/v1/verifications/${started.json().verificationId}/fallback`, { headers: { 'content-type': 'application/json' } });
    expect(fallback.status).toBe(202);
  });
});
