import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startBackgroundJobs } from '../../src/background.js';
import { startTestBroker, verifySilently, type TestBroker } from '../support/broker.js';
import { askForCode, lastCodeFor, startOnWifi, wrongCodeFor } from '../support/sms.js';
import { declares, sample } from './support/metrics-text.js';

const TOKEN = 'metrics-token-for-the-ops-tests-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('GET /metrics', () => {
  it('is off by default: 404, and the process metrics are not collected', async () => {
    const broker = await startTestBroker({ background: false });
    try {
      const res = await broker.device().get(`${broker.url}/metrics`);
      expect(res.status).toBe(404);
      expect(await broker.deps.metrics.registry.metrics()).not.toContain('process_cpu_user_seconds_total');
    } finally {
      await broker.close();
    }
  });

  it('with METRICS=on and METRICS_TOKEN, answers only the bearer of the token', async () => {
    const broker = await startTestBroker({ background: false, env: { METRICS: 'on', METRICS_TOKEN: TOKEN } });
    try {
      const device = broker.device();
      const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong-token-wrong-token-wrong-token' }, { authorization: `Basic ${TOKEN}` }];
      for (const headers of attempts) {
        const refused = await device.get(`${broker.url}/metrics`, headers);
        expect(refused.status).toBe(401);
        expect(refused.headers['www-authenticate']).toMatch(/^Bearer/);
        expect(refused.text).not.toContain('broker_');
      }
      const res = await device.get(`${broker.url}/metrics`, auth);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(declares(res.text, 'process_cpu_user_seconds_total')).toBe(true);
      expect(declares(res.text, 'nodejs_eventloop_lag_seconds')).toBe(true);
    } finally {
      await broker.close();
    }
  });

  it('with METRICS=on and no token, is open', async () => {
    const broker = await startTestBroker({ background: false, env: { METRICS: 'on' } });
    try {
      const res = await broker.device().get(`${broker.url}/metrics`);
      expect(res.status).toBe(200);
      expect(broker.logs.join('\n')).toContain('GET /metrics is served without METRICS_TOKEN');
    } finally {
      await broker.close();
    }
  });
});

describe('what the metrics count', () => {
  let broker: TestBroker;
  let receiver: Server;
  let received = 0;
  const scrape = async () => (await broker.device().get(`${broker.url}/metrics`, auth)).text;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received++;
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    broker = await startTestBroker({
      background: false,
      env: {
        METRICS: 'on',
        METRICS_TOKEN: TOKEN,
        // the first provider cannot be reached: every code goes out through the second
        SMS_PROVIDERS: 'http,console',
        SMS_HTTP_URL: 'http://127.0.0.1:9/sms',
        SMS_HTTP_PAYLOAD_TEMPLATE: '{"to": {{mobile}}, "text": {{body}}}',
        SMS_COUNTRIES_DENY: 'FR',
        WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
        WEBHOOK_POLL_MS: '20',
      },
    });
  });
  afterAll(async () => {
    await broker.close();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('verifications started and finished by method and outcome, fallbacks by reason, operator calls, SMS sends, refusals and webhooks', async () => {
    // silent and verified
    const phone = broker.device('127.0.0.2');
    const silent = await verifySilently(broker, phone, '+34600000002');
    expect(new URL(silent.callback.headers.location!).searchParams.get('status')).toBe('verified');
    // silent, the SIM holds another number: fallback, code, verified by SMS
    const other = broker.device('127.0.0.3');
    const mismatch = await verifySilently(broker, other, '+34600000051');
    const mismatchId = new URL(mismatch.callback.headers.location!).searchParams.get('verificationId')!;
    await askForCode(broker, other, mismatchId);
    const code = await lastCodeFor(broker, '+34600000051', other);
    expect((await other.post(`${broker.url}/v1/verifications/${mismatchId}/code`, { code })).json().status).toBe('verified');
    // WiFi: SMS at once; a resend at once is refused by the cooldown; then wrong codes until it fails
    const laptop = broker.device('127.0.0.50');
    const { id } = await startOnWifi(broker, laptop, '+34600000052');
    expect((await laptop.post(`${broker.url}/v1/verifications/${id}/resend`, {})).status).toBe(429);
    const wrong = wrongCodeFor(await lastCodeFor(broker, '+34600000052', laptop));
    for (let i = 0; i < 5; i++) expect((await laptop.post(`${broker.url}/v1/verifications/${id}/code`, { code: wrong })).status).toBe(400);
    // a destination the configuration refuses
    const blocked = await startOnWifi(broker, laptop, '+33612345678');
    expect(blocked.body.verification.events.map((e: { type: string }) => e.type)).toContain('sms_refused');

    const text = await scrape();
    expect(sample(text, 'broker_verifications_started_total', { method: 'silent_auth' })).toBe(2);
    expect(sample(text, 'broker_verifications_started_total', { method: 'sms_otp' })).toBe(2);
    expect(sample(text, 'broker_verifications_finished_total', { method: 'silent_auth', outcome: 'verified' })).toBe(1);
    expect(sample(text, 'broker_verifications_finished_total', { method: 'sms_otp', outcome: 'verified' })).toBe(1);
    expect(sample(text, 'broker_verifications_finished_total', { method: 'sms_otp', outcome: 'failed' })).toBe(1);
    expect(sample(text, 'broker_fallbacks_total', { reason: 'number_mismatch' })).toBe(1);
    expect(sample(text, 'broker_fallbacks_total', { reason: 'network_wifi' })).toBe(2);

    const calls = (endpoint: string) => sample(text, 'broker_operator_request_duration_seconds_count', { operator: 'sandbox', endpoint, outcome: 'ok' });
    expect([calls('discovery'), calls('token'), calls('verify')]).toEqual([1, 2, 2]);
    expect(sample(text, 'broker_operator_request_duration_seconds_sum', { operator: 'sandbox', endpoint: 'token', outcome: 'ok' })).toBeGreaterThan(0);

    expect(sample(text, 'broker_sms_sends_total', { provider: 'http', result: 'failed' })).toBe(2);
    expect(sample(text, 'broker_sms_sends_total', { provider: 'console', result: 'sent' })).toBe(2);
    expect(sample(text, 'broker_rate_limit_refusals_total', { reason: 'resend_cooldown' })).toBe(1);
    expect(sample(text, 'broker_rate_limit_refusals_total', { reason: 'destination_blocked' })).toBe(1);
    expect(sample(text, 'broker_http_request_duration_seconds_count', { method: 'POST', route: '/v1/verifications', status: '201' })).toBe(2);
    expect(sample(text, 'broker_http_request_duration_seconds_count', { method: 'GET', route: '/callback', status: '302' })).toBe(2);

    // three final events wait in the outbox until the delivery worker runs
    expect(sample(text, 'broker_webhook_queue_depth')).toBe(3);
    const background = startBackgroundJobs(broker.deps);
    try {
      await until(async () => sample(await scrape(), 'broker_webhook_deliveries_total', { result: 'delivered' }) === 3);
    } finally {
      await background.stop();
    }
    const after = await scrape();
    expect(received).toBe(3);
    expect(sample(after, 'broker_webhook_queue_depth')).toBe(0);
    expect(sample(after, 'broker_webhook_deliveries_total', { result: 'retry' })).toBe(0);
  });
});

describe('operator latency by outcome', () => {
  it('an operator slower than OPERATOR_TIMEOUT_MS counts a timeout, and the fallback its reason', async () => {
    const broker = await startTestBroker({
      background: false,
      sandbox: { faults: { delayMs: 800, endpoints: ['verify'] } },
      env: { METRICS: 'on', OPERATOR_TIMEOUT_MS: '300' },
    });
    try {
      const phone = broker.device('127.0.0.2');
      const { callback } = await verifySilently(broker, phone, '+34600000002');
      expect(new URL(callback.headers.location!).searchParams.get('status')).toBe('fallback_required');
      const text = (await phone.get(`${broker.url}/metrics`)).text;
      expect(sample(text, 'broker_operator_request_duration_seconds_count', { operator: 'sandbox', endpoint: 'verify', outcome: 'timeout' })).toBe(1);
      expect(sample(text, 'broker_operator_request_duration_seconds_count', { operator: 'sandbox', endpoint: 'token', outcome: 'ok' })).toBe(1);
      expect(sample(text, 'broker_fallbacks_total', { reason: 'operator_timeout' })).toBe(1);
    } finally {
      await broker.close();
    }
  });
});
