import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import { createTestApplication } from '../support/applications.js';
import { lastCodeFor } from '../support/sms.js';
import { startReceiver, type Receiver } from '../webhooks/support/receiver.js';
import type { Device } from '../support/device.js';
import { deleteKeys, REDIS_URL, uniquePrefix, whyNoRedis } from '../store/support/redis.js';

const skipBecause = await whyNoRedis();
if (skipBecause) console.warn(`\n  SKIPPED the Redis half of the backend-first API tests: ${skipBecause}\n`);

const DEEP_LINK = 'com.example.app://verified';
const NUMBER = '+34600000002'; // the sandbox SIM at 127.0.0.2

/**
 * Issue 14, server to server: a backend starts with its application key, its app opens the checkUrl on mobile
 * data and gets the completion code on its deep link, and the backend completes with it.
 */
for (const kind of ['sqlite', 'redis'] as const) {
  const describeStore = kind === 'redis' && skipBecause ? describe.skip : describe;
  describeStore(`the backend-first API (application keys, ${kind})`, () => {
    const prefix = uniquePrefix('backend-api');
    let broker: TestBroker;
    let backend: Device;
    let receiver: Receiver;
    let app: Awaited<ReturnType<typeof createTestApplication>>;
    let other: Awaited<ReturnType<typeof createTestApplication>>;
    let clock = 0;

    beforeAll(async () => {
      const store = kind === 'redis' ? { STORE: 'redis', REDIS_URL, REDIS_KEY_PREFIX: prefix } : {};
      broker = await startTestBroker({ env: { WEBHOOK_POLL_MS: '20', ...store }, now: () => new Date(Date.now() + clock) });
      backend = broker.device('127.0.0.1');
      app = await createTestApplication(broker, { returnUrlPrefixes: [DEEP_LINK] });
      receiver = await startReceiver(app.application.webhookSecret);
      await broker.deps.store.applications.update(app.application.id, (a) => ({ ...a, webhookUrl: receiver.url }));
      other = await createTestApplication(broker);
    });
    afterAll(async () => {
      await receiver?.close();
      await broker?.close();
      if (kind === 'redis') await deleteKeys(prefix);
    });

    const start = (body: object, auth = app.auth) => backend.request('POST', `${broker.url}/v1/verifications`, { body, headers: auth });
    const post = (path: string, body: object = {}, auth = app.auth) => backend.request('POST', `${broker.url}${path}`, { body, headers: auth });

    /** the app's cellular-bound connection: no cookie of the backend's, follows the redirects itself, stops at the deep link */
    async function openOnDevice(device: Device, checkUrl: string): Promise<URL> {
      const { location } = await device.followUntil(checkUrl, (next) => next.pathname === '/callback' && next.origin === broker.url);
      const back = await device.get(location.href);
      return new URL(back.headers.location!);
    }

    it('starts with the key, the device opens checkUrl, and the backend completes with the code: verified, token and webhook', async () => {
      const started = await start({ phoneNumber: NUMBER, returnUrl: DEEP_LINK, clientRef: 'order-42' });
      expect(started.status).toBe(201);
      const body = started.json();
      expect(body).toMatchObject({ method: 'silent_auth', status: 'silent_auth_in_progress', verification: { phoneNumber: NUMBER, clientRef: 'order-42', workflow: [{ channel: 'silent_auth' }, { channel: 'sms' }] } });
      expect(body.authUrl).toBeUndefined();
      expect(body.checkUrl).toMatch(new RegExp(`^${broker.url}/v1/verifications/${body.verificationId}/check\\?token=`));
      // no session was made for the backend
      expect(started.headers['set-cookie']).toBeUndefined();

      const deepLink = await openOnDevice(broker.device('127.0.0.2'), body.checkUrl);
      expect(`${deepLink.protocol}//${deepLink.host}${deepLink.pathname}`).toBe(DEEP_LINK);
      expect(deepLink.searchParams.get('status')).toBe('awaiting_completion');

      const done = await post(`/v1/verifications/${body.verificationId}/code`, { code: deepLink.searchParams.get('code') });
      expect(done.status).toBe(200);
      expect(done.json()).toMatchObject({ status: 'verified', sessionToken: expect.stringMatching(/^ey/), verification: { phoneNumber: NUMBER, method: 'silent_auth' } });
      const [hook] = await receiver.waitFor((h) => h.event?.type === 'verification.succeeded' && h.event.data.verificationId === body.verificationId);
      expect(hook.event!.data).toMatchObject({ phoneNumber: NUMBER, clientRef: 'order-42' });
    });

    it('a device on WiFi fails the silent leg; the backend moves to the next channel and checks the SMS code', async () => {
      const { verificationId, checkUrl } = (await start({ phoneNumber: NUMBER, returnUrl: DEEP_LINK })).json();
      const deepLink = await openOnDevice(broker.device('127.0.0.9'), checkUrl);
      expect(deepLink.searchParams.get('status')).toBe('fallback_required');
      expect(deepLink.searchParams.get('code')).toBeNull();
      expect((await backend.request('GET', `${broker.url}/v1/verifications/${verificationId}`, { headers: app.auth })).json()).toMatchObject({ status: 'fallback_required', reason: 'access_denied' });

      const next = await post(`/v1/verifications/${verificationId}/next`);
      expect(next.status).toBe(202);
      expect(next.json()).toMatchObject({ status: 'otp_sent', method: 'sms_otp' });
      const code = await lastCodeFor(broker, NUMBER, backend);
      const done = await post(`/v1/verifications/${verificationId}/code`, { code });
      expect(done.json()).toMatchObject({ status: 'verified', verification: { method: 'sms_otp' } });
      // once a code is out there is no further channel
      const again = await post(`/v1/verifications/${verificationId}/next`);
      expect(again.status).toBe(409);
    });

    it('next on a silent leg still in progress abandons it and sends the code', async () => {
      const { verificationId } = (await start({ phoneNumber: NUMBER })).json();
      const next = await post(`/v1/verifications/${verificationId}/next`);
      expect(next.json()).toMatchObject({ status: 'otp_sent', reason: 'next_channel' });
    });

    it('a workflow that starts with sms sends the code at once', async () => {
      const res = await start({ phoneNumber: NUMBER, workflow: [{ channel: 'sms' }] });
      expect(res.status).toBe(201);
      expect(res.json()).toMatchObject({ method: 'sms_otp', status: 'otp_sent' });
      expect(res.json().checkUrl).toBeUndefined();
    });

    it('a workflow without sms is refused (422) when no silent check is possible, and nothing is started', async () => {
      const before = (await broker.deps.store.verifications.listRecent(100)).length;
      const res = await start({ phoneNumber: NUMBER, network: 'wifi', workflow: [{ channel: 'silent_auth' }] });
      expect(res.status).toBe(422);
      expect(res.json()).toMatchObject({ status: 422, code: 'SERVICE_NOT_APPLICABLE' });
      expect((await broker.deps.store.verifications.listRecent(100)).length).toBe(before);
    });

    it('a workflow without sms never sends a code: next is refused', async () => {
      const { verificationId } = (await start({ phoneNumber: NUMBER, workflow: [{ channel: 'silent_auth', timeoutSeconds: 30 }] })).json();
      const next = await post(`/v1/verifications/${verificationId}/next`);
      expect(next.status).toBe(409);
      const fallback = await post(`/v1/verifications/${verificationId}/fallback`);
      expect(fallback.status).toBe(409);
      // and nothing changed: the silent leg is still open for the device
      expect((await backend.request('GET', `${broker.url}/v1/verifications/${verificationId}`, { headers: app.auth })).json().status).toBe('silent_auth_in_progress');
    });

    it.each([
      [{ workflow: [] }, 'workflow'],
      [{ workflow: [{ channel: 'sms' }, { channel: 'sms' }] }, 'workflow'],
      [{ workflow: [{ channel: 'voice' }] }, 'workflow'],
      [{ workflow: [{ channel: 'silent_auth', timeoutSeconds: 1 }] }, 'workflow'],
      [{ clientIp: 'not-an-ip' }, 'clientIp'],
      [{ returnUrl: 'com.evil.app://verified' }, 'returnUrl'],
      [{ extra: 1 }, 'extra'],
    ])('refuses bad input %j with a 400 naming %s', async (extra, field) => {
      const res = await start({ phoneNumber: NUMBER, ...extra });
      expect(res.status).toBe(400);
      expect(res.json().message).toContain(field);
    });

    it('cancel: status cancelled, event verification.cancelled; a second cancel is a conflict', async () => {
      const { verificationId, checkUrl } = (await start({ phoneNumber: NUMBER })).json();
      const cancelled = await backend.request('DELETE', `${broker.url}/v1/verifications/${verificationId}`, { headers: app.auth });
      expect(cancelled.status).toBe(200);
      expect(cancelled.json()).toMatchObject({ status: 'cancelled' });
      await receiver.waitFor((h) => h.event?.type === 'verification.cancelled' && h.event.data.verificationId === verificationId);
      expect((await backend.request('DELETE', `${broker.url}/v1/verifications/${verificationId}`, { headers: app.auth })).status).toBe(409);
      // its checkUrl leads nowhere now, and no code completes it
      expect((await broker.device('127.0.0.2').get(checkUrl)).status).toBe(409);
      const late = await post(`/v1/verifications/${verificationId}/code`, { code: 'A'.repeat(43) });
      expect(late.status).toBe(409);
      expect(late.json().message).toMatch(/cancelled/);
    });

    it("another application's key cannot read, check, continue or cancel it", async () => {
      const { verificationId } = (await start({ phoneNumber: NUMBER })).json();
      const path = `${broker.url}/v1/verifications/${verificationId}`;
      expect((await backend.request('GET', path, { headers: other.auth })).status).toBe(403);
      expect((await post(`/v1/verifications/${verificationId}/code`, { code: '123456' }, other.auth)).status).toBe(403);
      expect((await post(`/v1/verifications/${verificationId}/next`, {}, other.auth)).status).toBe(403);
      expect((await backend.request('DELETE', path, { headers: other.auth })).status).toBe(403);
      // nor can a browser session
      expect((await broker.device('127.0.0.5').get(path)).status).toBe(403);
      expect((await backend.request('GET', path, { headers: app.auth })).json().status).toBe('silent_auth_in_progress');
    });

    it('a wrong, malformed or revoked key is refused with 401 and WWW-Authenticate', async () => {
      const revoked = await createTestApplication(broker);
      await broker.deps.store.applications.update(revoked.application.id, (a) => ({ ...a, keys: a.keys.map((k) => ({ ...k, revokedAt: new Date().toISOString() })) }));
      for (const authorization of [`Bearer ${revoked.apiKey}`, `Bearer ${app.apiKey.slice(0, -1)}x`, 'Bearer nonsense', `Basic ${app.apiKey}`, '']) {
        const res = await start({ phoneNumber: NUMBER }, { authorization });
        expect(res.status).toBe(401);
        expect(res.json()).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
        expect(res.headers['www-authenticate']).toContain('Bearer');
      }
    });

    it('a wrong checkUrl token is a 404, and the verification is untouched', async () => {
      const { verificationId, checkUrl } = (await start({ phoneNumber: NUMBER })).json();
      const forged = new URL(checkUrl);
      forged.searchParams.set('token', 'A'.repeat(43));
      expect((await broker.device('127.0.0.2').get(forged.href)).status).toBe(404);
      forged.searchParams.delete('token');
      expect((await broker.device('127.0.0.2').get(forged.href)).status).toBe(404);
      expect((await backend.request('GET', `${broker.url}/v1/verifications/${verificationId}`, { headers: app.auth })).json().status).toBe('silent_auth_in_progress');
    });

    it("the silent leg ends at the workflow's timeoutSeconds: the read says so and the checkUrl is gone", async () => {
      const { verificationId, checkUrl } = (await start({ phoneNumber: NUMBER, workflow: [{ channel: 'silent_auth', timeoutSeconds: 10 }, { channel: 'sms' }] })).json();
      clock += 11_000;
      try {
        expect((await broker.device('127.0.0.2').get(checkUrl)).status).toBe(410);
        const read = (await backend.request('GET', `${broker.url}/v1/verifications/${verificationId}`, { headers: app.auth })).json();
        expect(read).toMatchObject({ status: 'fallback_required', reason: 'silent_timeout' });
      } finally {
        clock -= 11_000;
      }
    });

    it('coverage says which channels can serve a number', async () => {
      const get = (n: string) => backend.request('GET', `${broker.url}/v1/coverage?phoneNumber=${encodeURIComponent(n)}`, { headers: app.auth });
      expect((await get(NUMBER)).json()).toEqual({ channels: { silent_auth: { available: true, operator: 'sandbox' }, sms: { available: true } } });
      // a landline: the sandbox operator still routes it, but no SMS can arrive
      expect((await get('+34910000000')).json().channels.sms).toEqual({ available: false, reason: 'not_a_mobile_number' });
      expect((await get('12')).status).toBe(400);
    });
  });
}

describe('per-application limits', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker({ background: false, sandbox: false, env: { START_LIMIT_PER_IP: '2/60', SMS_PROVIDERS: 'console' } });
  });
  afterAll(() => broker?.close());

  it("starts count against the application's startsPerMinute, and per-network limits apply to the end user's clientIp only", async () => {
    const { auth } = await createTestApplication(broker, { limits: { startsPerMinute: 4 } });
    const backend = broker.device('127.0.0.1');
    const start = (clientIp: string, n: string) => backend.request('POST', `${broker.url}/v1/verifications`, { body: { phoneNumber: n, workflow: [{ channel: 'sms' }], clientIp }, headers: auth });
    // two starts for one end user, then that user's network is limited (START_LIMIT_PER_IP=2), not the backend
    expect((await start('203.0.113.7', '+34600000011')).status).toBe(201);
    expect((await start('203.0.113.7', '+34600000012')).status).toBe(201);
    expect((await start('203.0.113.7', '+34600000013')).status).toBe(429);
    expect((await start('203.0.113.8', '+34600000014')).status).toBe(201);
    // the fourth start the application made (refused ones give their points back), then its own limit
    expect((await start('203.0.113.9', '+34600000015')).status).toBe(201);
    const refused = await start('203.0.113.10', '+34600000016');
    expect(refused.status).toBe(429);
    expect(refused.json().message).toMatch(/application/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it("requests count against the application's requestsPerMinute", async () => {
    const { auth } = await createTestApplication(broker, { limits: { requestsPerMinute: 3 } });
    const backend = broker.device('127.0.0.1');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await backend.request('GET', `${broker.url}/v1/coverage?phoneNumber=%2B34600000002`, { headers: auth })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it("SMS go only to the application's countries, within its own budget, in its brand", async () => {
    const { auth } = await createTestApplication(broker, { countries: { allow: ['ES'], deny: [] }, limits: { smsPerDay: 1 }, sms: { brand: 'Shopify' } });
    const backend = broker.device('127.0.0.1');
    const start = (n: string) => backend.request('POST', `${broker.url}/v1/verifications`, { body: { phoneNumber: n, workflow: [{ channel: 'sms' }] }, headers: auth });
    const french = (await start('+33612345678')).json();
    expect(french).toMatchObject({ status: 'fallback_required' });
    expect(french.verification.events.map((e: { type: string; detail?: { code?: string } }) => e.detail?.code)).toContain('DESTINATION_BLOCKED');
    expect((await start('+34600000021')).json().status).toBe('otp_sent');
    expect(broker.logs.some((line) => line.includes('Shopify'))).toBe(true);
    const overBudget = (await start('+34600000022')).json();
    expect(overBudget.verification.events.map((e: { type: string; detail?: { code?: string } }) => e.detail?.code)).toContain('SMS_BUDGET_EXHAUSTED');
  });
});
