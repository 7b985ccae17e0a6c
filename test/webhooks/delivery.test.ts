import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { startBackgroundJobs } from '../../src/background.js';
import { startTestBroker, verifySilently, type TestBroker } from '../support/broker.js';
import { deliveries, newWebhookSecret, sleep, startReceiver, waitForDelivery, type Receiver } from './support/receiver.js';

const FAST = { WEBHOOK_POLL_MS: '20', WEBHOOK_RETRY_SCHEDULE: '0,0.2,0.2,0.2' };

/** Verifies +34600000002 silently and returns the verification id. */
async function verifyOne(broker: TestBroker): Promise<string> {
  const { callback } = await verifySilently(broker, broker.device('127.0.0.2'), '+34600000002');
  const id = new URL(callback.headers.location!).searchParams.get('verificationId')!;
  expect(new URL(callback.headers.location!).searchParams.get('status')).toBe('verified');
  return id;
}

const forVerification = (id: string) => (hook: { event?: { data: Record<string, unknown> }; body: string }) => hook.body.includes(id);

describe('webhook delivery to a configured receiver', () => {
  const secret = newWebhookSecret();
  let receiver: Receiver;
  let broker: TestBroker;
  beforeAll(async () => {
    receiver = await startReceiver(secret);
    broker = await startTestBroker({ env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: secret, ...FAST }, background: { sweepIntervalMs: 100 } });
  });
  afterAll(async () => {
    await broker.close();
    await receiver.close();
  });
  afterEach(() => {
    receiver.respond = () => ({ status: 204 });
  });

  it('a receiver answering 500 twice then 200 gets the event once, signed per Standard Webhooks, with 3 attempts recorded', async () => {
    receiver.respond = (n) => ({ status: n < 2 ? 500 : 200 });
    const verificationId = await verifyOne(broker);
    const hooks = await receiver.waitFor(forVerification(verificationId), 3);

    // every attempt carries the same webhook-id and a signature the standardwebhooks library accepts
    expect(new Set(hooks.map((h) => h.id)).size).toBe(1);
    expect(hooks[0].id).toMatch(/^msg_/);
    for (const hook of hooks) {
      expect(hook.verifyError).toBeUndefined();
      expect(hook.headers['webhook-timestamp']).toMatch(/^\d+$/);
      expect(hook.headers['content-type']).toBe('application/json');
    }
    // ...and a receiver holding another secret refuses it
    expect(() => new Webhook(newWebhookSecret()).verify(hooks[0].body, hooks[0].headers)).toThrow();

    const event = hooks[2].event!;
    expect(Object.keys(event).sort()).toEqual(['data', 'timestamp', 'type']);
    expect(event.type).toBe('verification.succeeded');
    expect(event.data).toEqual({
      verificationId,
      phoneNumber: '+34600000002',
      method: 'silent_auth',
      operator: 'sandbox',
      verifiedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

    const delivery = await waitForDelivery(broker.url, broker.deps.secrets.adminApiKey, (d) => d.id === hooks[0].id && d.status === 'delivered');
    expect(delivery).toMatchObject({ eventType: 'verification.succeeded', attempts: 3, lastStatus: 200, applicationId: 'default' });
    expect(delivery.event).toEqual(JSON.parse(hooks[2].body));
    expect(JSON.stringify(delivery)).not.toContain(secret);

    // delivered means done: no further attempt after the schedule's next slots would have passed
    await sleep(600);
    expect(receiver.received.filter(forVerification(verificationId))).toHaveLength(3);
  });

  it("honours the receiver's Retry-After when it asks for a longer wait than the schedule", async () => {
    const attempts = new Map<string, number>();
    receiver.respond = (_n, hook) => {
      attempts.set(hook.id, (attempts.get(hook.id) ?? 0) + 1);
      return attempts.get(hook.id) === 1 ? { status: 503, headers: { 'Retry-After': '2' } } : { status: 200 };
    };
    const verificationId = await verifyOne(broker);
    const hooks = await receiver.waitFor(forVerification(verificationId), 2, 10000);
    // the schedule alone would retry after 0.2 s
    expect(hooks[1].at - hooks[0].at).toBeGreaterThanOrEqual(1950);
    expect(hooks[0].answered).toBe(503);
    expect(hooks[1].answered).toBe(200);
  });

  it('does not follow a redirect: the attempt fails and the redirect target receives nothing', async () => {
    const elsewhere = await startReceiver(secret);
    try {
      receiver.respond = () => ({ status: 307, headers: { location: elsewhere.url } });
      const verificationId = await verifyOne(broker);
      const hooks = await receiver.waitFor(forVerification(verificationId), 4);
      const delivery = await waitForDelivery(broker.url, broker.deps.secrets.adminApiKey, (d) => d.id === hooks[0].id && d.status === 'failed');
      expect(delivery).toMatchObject({ attempts: 4, lastStatus: 307 });
      expect(delivery.lastError).toMatch(/redirect not followed/);
      expect(elsewhere.received).toHaveLength(0);
    } finally {
      await elsewhere.close();
    }
  });

  it('replays a delivered event with the same webhook-id and a fresh valid signature', async () => {
    const verificationId = await verifyOne(broker);
    const [first] = await receiver.waitFor(forVerification(verificationId));
    const key = broker.deps.secrets.adminApiKey;
    await waitForDelivery(broker.url, key, (d) => d.id === first.id && d.status === 'delivered');

    const res = await fetch(`${broker.url}/v1/webhooks/deliveries/${first.id}/replay`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ id: first.id, status: 'pending' });

    const again = await receiver.waitFor(forVerification(verificationId), 2);
    expect(again[1].id).toBe(first.id);
    expect(again[1].verifyError).toBeUndefined();
    expect(again[1].body).toBe(first.body);
    const delivery = await waitForDelivery(broker.url, key, (d) => d.id === first.id && d.status === 'delivered' && d.attempts === 2);
    expect(delivery.lastStatus).toBe(204);
  });

  it('refuses to replay a delivery that is waiting for its next attempt (409), and an unknown one (404)', async () => {
    const slow = await startTestBroker({ env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: secret, WEBHOOK_POLL_MS: '20', WEBHOOK_RETRY_SCHEDULE: '0,3600' } });
    try {
      receiver.respond = () => ({ status: 500 });
      const verificationId = await verifyOne(slow);
      const [hook] = await receiver.waitFor(forVerification(verificationId));
      const key = slow.deps.secrets.adminApiKey;
      await waitForDelivery(slow.url, key, (d) => d.id === hook.id && d.status === 'pending' && d.attempts === 1);
      const replay = (id: string) => fetch(`${slow.url}/v1/webhooks/deliveries/${id}/replay`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
      const busy = await replay(hook.id);
      expect(busy.status).toBe(409);
      expect((await busy.json()).code).toBe('CONFLICT');
      const unknown = await replay('msg_doesnotexist');
      expect(unknown.status).toBe(404);
      const malformed = await replay('..%2F..%2Fetc');
      expect(malformed.status).toBe(404);
      await sleep(200);
      expect(receiver.received.filter(forVerification(verificationId))).toHaveLength(1);
    } finally {
      await slow.close();
    }
  });

  it('an expired verification sends verification.expired, without anyone reading it', async () => {
    // on WiFi the code is sent at once: the verification reached the code stage (WEBHOOK_EXPIRED_EVENTS=after_code)
    const start = await broker.device('127.0.0.2').post(`${broker.url}/v1/verifications`, { phoneNumber: '+34600000002', network: 'wifi' });
    const { verificationId } = start.json();
    expect((await broker.deps.store.verifications.get(verificationId))!.status).toBe('otp_sent');
    // the verification is waiting for its code; make its deadline pass
    await broker.deps.store.verifications.update(verificationId, (v) => ({ next: { ...v, expiresAt: new Date(Date.now() - 1000).toISOString() } }));
    const [hook] = await receiver.waitFor(forVerification(verificationId), 1, 10000);
    expect(hook.verifyError).toBeUndefined();
    expect(hook.event).toMatchObject({ type: 'verification.expired', data: { verificationId, phoneNumber: '+34600000002', method: 'sms_otp', verifiedAt: null } });
    expect((await broker.deps.store.verifications.get(verificationId))!.status).toBe('expired');
  });

  it('never logs the full phone number, the payload or the secret while delivering', async () => {
    const verificationId = await verifyOne(broker);
    await receiver.waitFor(forVerification(verificationId));
    await waitForDelivery(broker.url, broker.deps.secrets.adminApiKey, (d) => d.event.data.verificationId === verificationId && d.status === 'delivered');
    const logs = broker.logs.join('\n');
    expect(logs).toContain('webhook delivered');
    expect(logs).not.toContain('+34600000002');
    expect(logs).not.toContain(secret);
    expect(logs).not.toContain(receiver.url);
  });
});

describe('the admin deliveries API', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker({ env: FAST });
  });
  afterAll(() => broker.close());

  it.each([
    ['no Authorization header', undefined],
    ['a wrong key', 'Bearer adm_wrong-key-of-the-right-kind-0000'],
    ['the right key under another scheme', 'Basic KEY'],
    ['the right key with a trailing character', 'Bearer KEYx'],
  ])('answers 401 UNAUTHENTICATED to %s', async (_what, header) => {
    const key = broker.deps.secrets.adminApiKey;
    const headers: Record<string, string> = header ? { authorization: header.replace('KEY', key) } : {};
    for (const [method, path] of [['GET', '/v1/webhooks/deliveries'], ['POST', '/v1/webhooks/deliveries/msg_x/replay']]) {
      const res = await fetch(`${broker.url}${path}`, { method, headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await res.json()).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    }
  });

  it('with the key, lists deliveries filtered by status, and refuses a bad filter with a 400', async () => {
    const key = broker.deps.secrets.adminApiKey;
    expect(await deliveries(broker.url, key)).toEqual(expect.any(Array));
    for (const query of ['?status=lost', '?limit=0', '?limit=many', '?colour=red']) {
      const res = await fetch(`${broker.url}/v1/webhooks/deliveries${query}`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(400);
      expect((await res.json()).code).toBe('INVALID_ARGUMENT');
    }
  });

  it('without a webhook URL, events are recorded as failed with a reason, sent nowhere, and listed by status', async () => {
    const { callback } = await verifySilently(broker, broker.device('127.0.0.2'), '+34600000002');
    const verificationId = new URL(callback.headers.location!).searchParams.get('verificationId');
    const key = broker.deps.secrets.adminApiKey;
    const delivery = await waitForDelivery(broker.url, key, (d) => d.event.data.verificationId === verificationId && d.status === 'failed');
    expect(delivery.lastError).toMatch(/no webhook URL configured/);
    expect(delivery.lastStatus).toBeUndefined();
    expect((await deliveries(broker.url, key, '?status=failed')).map((d) => d.id)).toContain(delivery.id);
    expect((await deliveries(broker.url, key, '?status=delivered')).map((d) => d.id)).not.toContain(delivery.id);
  });
});

describe('stopping the background jobs (graceful shutdown)', () => {
  const secret = newWebhookSecret();
  let receiver: Receiver;
  let broker: TestBroker;
  beforeAll(async () => {
    receiver = await startReceiver(secret, { respond: () => ({ status: 200, delayMs: 700 }) });
    broker = await startTestBroker({ env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: secret, ...FAST }, background: false });
  });
  afterAll(async () => {
    await broker.close();
    await receiver.close();
  });

  it('waits for a delivery in flight and records it, so nothing is lost or sent twice', async () => {
    const jobs = startBackgroundJobs(broker.deps);
    const verificationId = await verifyOne(broker);
    const [hook] = await receiver.waitFor(forVerification(verificationId));
    expect(hook.answered).toBeUndefined();

    await jobs.stop();
    expect(hook.answered).toBe(200);
    const [delivery] = await broker.deps.store.outbox.list({ limit: 10 });
    expect(delivery).toMatchObject({ id: hook.id, status: 'delivered', attempts: 1 });

    // a later start has nothing left to send
    const again = startBackgroundJobs(broker.deps);
    await sleep(300);
    await again.stop();
    expect(receiver.received.filter(forVerification(verificationId))).toHaveLength(1);
  });
});
