import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import type { Verification } from '../../src/domain/verification.js';
import { failed } from '../../src/domain/lifecycle.js';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import { newWebhookSecret, startReceiver, type Receiver } from './support/receiver.js';

describe('applications from BROKER_CONFIG', () => {
  const defaultSecret = newWebhookSecret();
  const shopSecret = newWebhookSecret();
  let defaultReceiver: Receiver;
  let shopReceiver: Receiver;
  let broker: TestBroker;
  beforeAll(async () => {
    defaultReceiver = await startReceiver(defaultSecret);
    shopReceiver = await startReceiver(shopSecret);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'broker-apps-')), 'broker.json');
    writeFileSync(file, JSON.stringify({ applications: [{ id: 'shop', webhookUrl: shopReceiver.url, webhookSecret: shopSecret }] }));
    broker = await startTestBroker({ env: { BROKER_CONFIG: file, WEBHOOK_URL: defaultReceiver.url, WEBHOOK_SECRET: defaultSecret, WEBHOOK_POLL_MS: '20' } });
  });
  afterAll(async () => {
    await broker.close();
    await defaultReceiver.close();
    await shopReceiver.close();
  });

  it("sends an application's events only to its own receiver, signed with its own secret", async () => {
    const now = new Date();
    const verification: Verification = {
      id: 'vrf_shop-test-0001',
      applicationId: 'shop',
      phoneNumber: '+34600000002',
      status: 'otp_sent',
      method: 'sms_otp',
      network: 'wifi',
      ownerId: 'owner',
      reason: 'otp_attempts_exceeded',
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + 600_000).toISOString(),
      events: [],
    };
    await broker.deps.store.verifications.create(verification);
    await broker.deps.store.verifications.update(verification.id, failed(new Date(), 'otp_attempts_exceeded'));

    const [hook] = await shopReceiver.waitFor((h) => h.body.includes(verification.id));
    expect(hook.verifyError).toBeUndefined();
    expect(hook.event).toMatchObject({
      type: 'verification.failed',
      data: { verificationId: verification.id, phoneNumber: '+34600000002', method: 'sms_otp', operator: null, verifiedAt: null, reason: 'otp_attempts_exceeded' },
    });
    expect(() => new Webhook(defaultSecret).verify(hook.body, hook.headers)).toThrow();
    await new Promise((r) => setTimeout(r, 200));
    expect(defaultReceiver.received.filter((h) => h.body.includes(verification.id))).toHaveLength(0);
  });
});
