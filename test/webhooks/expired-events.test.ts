import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expireOverdueVerifications } from '../../src/flows/expire-verifications.js';
import { startTestBroker, type TestBroker } from '../support/broker.js';

/**
 * Every page load that starts a verification and is then abandoned would otherwise cost the customer's
 * backend one `verification.expired` webhook. WEBHOOK_EXPIRED_EVENTS=after_code (the default) announces
 * only verifications that reached the code stage (an SMS code was sent); `all` announces every one.
 */
async function startFour(broker: TestBroker) {
  const started = async (network: string, phoneNumber: string) => {
    const device = broker.device('127.0.0.2');
    const res = await device.post(`${broker.url}/v1/verifications`, { phoneNumber, network });
    expect(res.status).toBe(201);
    return { device, id: res.json().verificationId as string, status: res.json().status as string };
  };
  // abandoned: the page started the silent leg and nobody followed the operator link
  const silent = await started('cellular', '+34600000002');
  const silentRead = await started('cellular', '+34600000003');
  // on WiFi the code goes out at once: the SMS was paid for, and the backend hears how it ended
  const codeSent = await started('wifi', '+34600000092');
  const codeSentRead = await started('wifi', '+34600000093');
  expect([silent.status, silentRead.status, codeSent.status, codeSentRead.status]).toEqual(['silent_auth_in_progress', 'silent_auth_in_progress', 'otp_sent', 'otp_sent']);
  return { silent, silentRead, codeSent, codeSentRead };
}

async function expiredEventsFor(broker: TestBroker, ids: string[]): Promise<string[]> {
  const deliveries = await broker.deps.store.outbox.list({ limit: 500 });
  return deliveries
    .filter((d) => d.eventType === 'verification.expired')
    .map((d) => (JSON.parse(d.payload) as { data: { verificationId: string } }).data.verificationId)
    .filter((id) => ids.includes(id));
}

for (const setting of [undefined, 'after_code', 'all'] as const) {
  describe(`WEBHOOK_EXPIRED_EVENTS=${setting ?? '(default)'}`, () => {
    let broker: TestBroker;
    let clock = 0;
    beforeAll(async () => {
      broker = await startTestBroker({
        background: false,
        env: { SMS_LIMIT_PER_PREFIX: '1000/3600', SMS_LIMIT_PER_IP: '1000/3600', ...(setting && { WEBHOOK_EXPIRED_EVENTS: setting }) },
        now: () => new Date(Date.now() + clock),
      });
    });
    afterAll(() => broker.close());

    const announcesAll = setting === 'all';
    it(
      announcesAll
        ? 'every verification nobody finished is announced as expired, abandoned starts included'
        : 'abandoned starts expire silently; a verification that reached the code stage is announced',
      async () => {
        const { silent, silentRead, codeSent, codeSentRead } = await startFour(broker);
        clock = 700_000; // past VERIFICATION_TTL_SECONDS (600)
        // the app reading two of them expires them on the way; the sweeper expires the others
        for (const { device, id } of [silentRead, codeSentRead]) {
          expect((await device.get(`${broker.url}/v1/verifications/${id}`)).json().status).toBe('expired');
        }
        await expireOverdueVerifications(broker.deps);

        const all = [silent, silentRead, codeSent, codeSentRead].map((v) => v.id);
        for (const id of all) expect((await broker.deps.store.verifications.get(id))?.status).toBe('expired');
        const announced = await expiredEventsFor(broker, all);
        const expected = announcesAll ? all : [codeSent.id, codeSentRead.id];
        expect(announced.sort()).toEqual(expected.sort());
      },
    );
  });
}
