import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { CLOSED_SMS_GATEWAY_ENV } from '../support/sms.js';
import { startTestBroker, verifySilently, type TestBroker } from '../support/broker.js';

// The sample pages as a newcomer lives them, the parts that an HTTP request shows (see first-hour.test.ts for the browser).

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A request with a Host header of our choosing (a browser that typed another name for this machine). */
function get(url: string, headers: Record<string, string>): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

const PAGE = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 8000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the sample over plain http on the LAN', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker();
  });
  afterAll(() => broker.close());

  it('does not ask the browser to upgrade to https, nor pin https with HSTS, when PUBLIC_URL is http', async () => {
    const res = await get(`${broker.url}/`, { ...PAGE, host: `192.168.1.5:${new URL(broker.url).port}` });
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('serves the libphonenumber browser build from the broker itself (no CDN)', async () => {
    const res = await get(`${broker.url}/vendor/libphonenumber-max.js`, {});
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.text).toContain('libphonenumber');
  });
});

describe('a broker whose PUBLIC_URL is https', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker({ sandbox: false, env: { SANDBOX: 'off', ...CLOSED_SMS_GATEWAY_ENV, PUBLIC_URL: 'https://verify.example' } });
  });
  afterAll(() => broker.close());

  it('keeps upgrade-insecure-requests and HSTS', async () => {
    const res = await get(`${broker.url}/`, PAGE);
    expect(res.headers['content-security-policy']).toContain('upgrade-insecure-requests');
    expect(res.headers['strict-transport-security']).toContain('max-age=');
  });
});

describe('one canonical host in development', () => {
  let broker: TestBroker;
  let port: string;
  beforeAll(async () => {
    broker = await startTestBroker();
    port = new URL(broker.url).port;
  });
  afterAll(() => broker.close());

  it('a page opened at another name of this machine is sent to PUBLIC_URL, so the session cookie is where /callback lands', async () => {
    const res = await get(`${broker.url}/result.html?verificationId=abcd`, { ...PAGE, host: `localhost:${port}` });
    expect(res.status).toBe(307);
    expect(res.headers.location).toBe(`${broker.url}/result.html?verificationId=abcd`);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('the canonical host itself, JSON calls, and a phone on the LAN are left alone', async () => {
    expect((await get(`${broker.url}/`, PAGE)).status).toBe(200);
    expect((await get(`${broker.url}/sandbox/info`, { accept: 'application/json', host: `localhost:${port}` })).status).toBe(200);
    // "localhost" on a phone is the phone: never send it there; the page explains instead (publicUrl below)
    expect((await get(`${broker.url}/`, { ...PAGE, host: `192.168.1.5:${port}` })).status).toBe(200);
    const info = JSON.parse((await get(`${broker.url}/sandbox/info`, {})).text);
    expect(info.publicUrl).toBe(broker.url);
  });
});

describe('webhook outcomes on the verification timeline', () => {
  let broker: TestBroker;
  let receiver: Server;
  const received: string[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      received.push(String(req.headers['webhook-id']));
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks?token=do-not-show`;
    broker = await startTestBroker({ env: { WEBHOOK_URL: hook, WEBHOOK_POLL_MS: '50' } });
  });
  afterAll(async () => {
    await broker.close();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('records webhook_delivered once the backend has the event, without the URL or the number', async () => {
    const phone = broker.device('127.0.0.2');
    const { callback } = await verifySilently(broker, phone, '+34600000002');
    const id = new URL(callback.headers.location!).searchParams.get('verificationId')!;
    const read = await eventually(
      async () => (await phone.get(`${broker.url}/v1/verifications/${id}`)).json(),
      (v) => v.events.some((e: { type: string }) => e.type === 'webhook_delivered'),
    );
    const delivered = read.events.find((e: { type: string }) => e.type === 'webhook_delivered');
    expect(delivered).toMatchObject({ detail: { event: 'verification.succeeded', attempt: 1, status: 204 } });
    expect(received.length).toBeGreaterThan(0);
    const stored = JSON.stringify((await broker.deps.store.verifications.get(id))!.events);
    expect(stored).not.toContain('do-not-show');
    expect(stored).not.toContain('+34600000002');
  });
});

describe('webhooks with no WEBHOOK_URL, and the sandbox receiver', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker({ env: { WEBHOOK_POLL_MS: '50' } });
  });
  afterAll(() => broker.close());

  it('records webhook_not_sent, so the result page stops waiting and says why', async () => {
    const phone = broker.device('127.0.0.2');
    const { callback } = await verifySilently(broker, phone, '+34600000002');
    const id = new URL(callback.headers.location!).searchParams.get('verificationId')!;
    const read = await eventually(
      async () => (await phone.get(`${broker.url}/v1/verifications/${id}`)).json(),
      (v) => v.events.some((e: { type: string }) => e.type.startsWith('webhook_')),
    );
    expect(read.events.at(-1)).toMatchObject({ type: 'webhook_not_sent', detail: { event: 'verification.succeeded', reason: 'no_webhook_url' } });
    const info = JSON.parse((await get(`${broker.url}/sandbox/info`, {})).text);
    expect(info).toMatchObject({ webhookUrlConfigured: false, webhookReceiverUrl: `${broker.url}/sandbox/webhooks` });
  });

  it('the sandbox receiver accepts a correctly signed webhook, refuses a forged one, and lists them masked', async () => {
    const body = JSON.stringify({ type: 'verification.succeeded', timestamp: new Date().toISOString(), data: { phoneNumber: '+34600000002' } });
    const signed = (secret: string) => {
      const at = new Date();
      return { 'webhook-id': 'msg_test', 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign('msg_test', at, body), 'content-type': 'application/json' };
    };
    const device = broker.device();
    const good = await device.post(`${broker.url}/sandbox/webhooks`, body, signed(broker.deps.secrets.webhookSecret));
    expect(good.status).toBe(204);
    const forged = await device.post(`${broker.url}/sandbox/webhooks`, body, signed(`whsec_${Buffer.alloc(32, 7).toString('base64')}`));
    expect(forged.status).toBe(401);
    const list = (await device.get(`${broker.url}/sandbox/webhooks`)).json();
    expect(list.received.map((w: { signatureValid: boolean }) => w.signatureValid)).toEqual([false, true]);
    expect(JSON.stringify(list)).not.toContain('+34600000002');
  });

  it('the developer page can replay a delivery (JSON only: a foreign form cannot)', async () => {
    const { deliveries } = (await broker.device().get(`${broker.url}/sandbox/deliveries`)).json();
    const failed = deliveries.find((d: { status: string }) => d.status === 'failed');
    expect(failed).toBeDefined();
    const form = await broker.device().post(`${broker.url}/sandbox/deliveries/${failed.id}/replay`, '', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    const replayed = await broker.device().post(`${broker.url}/sandbox/deliveries/${failed.id}/replay`, {});
    expect(replayed.status).toBe(202);
    expect(replayed.json()).toEqual({ id: failed.id, status: 'pending' });
  });
});

describe('SMS only to numbers that can receive one', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker();
  });
  afterAll(() => broker.close());

  it('a Spanish landline (+34 91…) gets no SMS and a plain reason', async () => {
    const device = broker.device();
    const started = await device.post(`${broker.url}/v1/verifications`, { phoneNumber: '+34915550000', network: 'wifi' });
    // as with every refusal of the SMS leg, the start stands and records why; asking for the code says it plainly
    expect(started.json()).toMatchObject({ status: 'fallback_required' });
    expect(started.json().verification.events).toContainEqual(expect.objectContaining({ type: 'sms_refused', detail: { code: 'NOT_A_MOBILE_NUMBER' } }));
    const asked = await device.post(`${broker.url}/v1/verifications/${started.json().verificationId}/fallback`, {});
    expect(asked.status).toBe(400);
    expect(asked.json()).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('landline') });
    const inbox = (await device.get(`${broker.url}/sandbox/inbox?phoneNumber=%2B34915550000`)).json();
    expect(inbox.messages).toEqual([]);
  });

  it('the page language reaches the SMS: lang=en on a Spanish number gets an English text', async () => {
    const device = broker.device();
    const res = await device.post(`${broker.url}/v1/verifications`, { phoneNumber: '+34600000031', network: 'wifi', lang: 'en' });
    expect(res.status).toBe(201);
    const { messages } = (await device.get(`${broker.url}/sandbox/inbox?phoneNumber=%2B34600000031`)).json();
    expect(messages[0].body).toContain('your verification code');
  });
});

describe("the SIM picker's way back to the sample", () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker();
  });
  afterAll(() => broker.close());

  it('links back to the page it came from on the broker, and never to another site', async () => {
    const picker = (back: string) => get(`${broker.sandbox!.issuer}/sim?${new URLSearchParams({ back })}`, {});
    const own = await picker(`${broker.url}/otp.html?verificationId=abcd`);
    expect(own.text).toContain(`href="${broker.url}/otp.html?verificationId=abcd"`);
    const foreign = await picker('https://evil.example/phish');
    expect(foreign.text).not.toContain('evil.example');
    expect(foreign.text).toContain(`href="${broker.url}/"`);
  });
});
