import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CLOSED_SMS_GATEWAY_ENV } from '../support/sms.js';
import { startTestBroker, verifySilently, type TestBroker } from '../support/broker.js';

// The sandbox-only endpoints behind the sample pages (no browser needed): what they show, what they hide.
describe('the sandbox API of the sample pages', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker();
  });
  afterAll(() => broker.close());

  it('/sandbox/info tells the pages where the SIM picker and the inbox are', async () => {
    const res = await broker.device().get(`${broker.url}/sandbox/info`);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({
      sandbox: true,
      simPickerUrl: `${broker.sandbox!.issuer}/sim`,
      sims: expect.arrayContaining([{ number: '+34600000002' }]),
      inboxUrl: '/sandbox/inbox',
      publicUrl: broker.url,
      webhookUrlConfigured: false,
      webhookReceiverUrl: `${broker.url}/sandbox/webhooks`,
    });
    // the picker it names is the sandbox operator's
    expect((await broker.device().get(res.json().simPickerUrl)).text).toContain('Which network is this browser on?');
  });

  it('/sandbox/verifications lists every session\'s recent verifications, newest first, with masked numbers', async () => {
    const laptop = broker.device();
    const created = await laptop.post(`${broker.url}/v1/verifications`, { phoneNumber: '+34600000021', network: 'wifi' });
    expect(created.status).toBe(201);
    await verifySilently(broker, broker.device('127.0.0.2'), '+34600000002');

    // read from another browser: the developer page is not bound to a session
    const res = await broker.device().get(`${broker.url}/sandbox/verifications`);
    expect(res.status).toBe(200);
    const { verifications } = res.json();
    expect(verifications[0]).toMatchObject({ status: 'verified', method: 'silent_auth', phoneNumber: '+3460*****02' });
    expect(verifications[1]).toMatchObject({ id: created.json().verificationId, status: 'otp_sent', phoneNumber: '+3460*****21' });
    expect(verifications[1].otp).toMatchObject({ attemptsRemaining: expect.any(Number), sendsRemaining: expect.any(Number) });
    expect(res.text).not.toContain('+34600000021');
    expect(res.text).not.toContain('+34600000002');
    expect(res.text).not.toContain('codeHash');
    expect(res.text).not.toContain('ownerId');
  });

  it('/sandbox/deliveries lists the webhooks with the number in their payload masked', async () => {
    await verifySilently(broker, broker.device('127.0.0.3'), '+34600000003');
    const res = await broker.device().get(`${broker.url}/sandbox/deliveries`);
    expect(res.status).toBe(200);
    const { deliveries } = res.json();
    const succeeded = deliveries.find((d: { payload: { data: { phoneNumber: string } } }) => d.payload.data.phoneNumber === '+3460*****03');
    expect(succeeded).toMatchObject({ eventType: 'verification.succeeded', status: expect.any(String), attempts: expect.any(Number) });
    expect(succeeded.payload).toMatchObject({ type: 'verification.succeeded', data: { method: 'silent_auth' } });
    expect(res.text).not.toMatch(/\+34600000\d\d\d/);
  });
});

describe('with the sandbox off', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker({ sandbox: false, env: { SANDBOX: 'off', ...CLOSED_SMS_GATEWAY_ENV } });
  });
  afterAll(() => broker.close());

  it.each(['/sandbox/info', '/sandbox/verifications', '/sandbox/deliveries', '/sandbox/inbox?phoneNumber=%2B34600000002'])('%s does not exist', async (path) => {
    const res = await broker.device().get(`${broker.url}${path}`);
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('still serves the sample pages', async () => {
    const res = await broker.device().get(`${broker.url}/developer.html`);
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
  });
});
