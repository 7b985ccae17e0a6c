import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestBroker, verifySilently, type TestBroker } from '../support/broker.js';
import { deliveries, newWebhookSecret, sleep, startReceiver, waitForDelivery, type Receiver } from './support/receiver.js';

const MINUTE = 60_000;

/**
 * The outbox would otherwise keep every delivered or failed event forever (each one a phone number and a
 * verification's outcome). A background job deletes finished deliveries WEBHOOK_RETENTION_HOURS after
 * they finished; pending ones are never touched.
 */
describe('finished webhook deliveries are purged after WEBHOOK_RETENTION_HOURS', () => {
  const secret = newWebhookSecret();
  let receiver: Receiver;
  let broker: TestBroker;
  let clock = 0;
  beforeAll(async () => {
    receiver = await startReceiver(secret);
    broker = await startTestBroker({
      env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: secret, WEBHOOK_POLL_MS: '20', WEBHOOK_RETENTION_HOURS: '1', WEBHOOK_RETRY_SCHEDULE: '0,36000' },
      now: () => new Date(Date.now() + clock),
      background: { purgeIntervalMs: 20 },
    });
  });
  afterAll(async () => {
    await broker.close();
    await receiver.close();
  });

  it('a delivered and a failed event stay listable within the retention and are gone after it; a waiting one stays', async () => {
    const key = broker.deps.secrets.adminApiKey;
    const { callback } = await verifySilently(broker, broker.device('127.0.0.2'), '+34600000002');
    const deliveredFor = new URL(callback.headers.location!).searchParams.get('verificationId')!;
    const delivered = await waitForDelivery(broker.url, key, (d) => d.event.data.verificationId === deliveredFor && d.status === 'delivered');

    // an application without a webhook URL: its event is failed at once
    const failedId = 'msg_failed_retention';
    await broker.deps.store.outbox.enqueue([{ id: failedId, applicationId: 'unconfigured-app', eventType: 'verification.succeeded', payload: '{"type":"verification.succeeded","data":{}}', createdAt: new Date().toISOString() }]);
    const failed = await waitForDelivery(broker.url, key, (d) => d.id === failedId && d.status === 'failed');
    // a receiver answering 500: the event waits for its next attempt, 10 hours later
    receiver.respond = () => ({ status: 500 });
    const retried = await verifySilently(broker, broker.device('127.0.0.3'), '+34600000003');
    const waitingFor = new URL(retried.callback.headers.location!).searchParams.get('verificationId')!;
    const waitingId = (await waitForDelivery(broker.url, key, (d) => d.event.data.verificationId === waitingFor && d.status === 'pending' && d.attempts === 1)).id;

    clock = 50 * MINUTE;
    await sleep(200);
    const within = (await deliveries(broker.url, key, '?limit=200')).map((d) => d.id);
    expect(within).toEqual(expect.arrayContaining([delivered.id, failed.id, waitingId]));

    clock = 61 * MINUTE;
    await sleep(200);
    const after = (await deliveries(broker.url, key, '?limit=200')).map((d) => d.id);
    expect(after).not.toContain(delivered.id);
    expect(after).not.toContain(failed.id);
    expect(after).toContain(waitingId);
    const replay = await broker.device().post(`${broker.url}/v1/webhooks/deliveries/${delivered.id}/replay`, {}, { authorization: `Bearer ${key}` });
    expect(replay.status).toBe(404);
  });
});
