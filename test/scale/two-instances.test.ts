import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildBroker } from '../support/child-broker.js';
import { Device } from '../support/device.js';
import { whyNoRedis } from '../store/support/redis.js';
import { startCluster, type Cluster } from './support/cluster.js';

const skipBecause = await whyNoRedis();
if (skipBecause) console.warn(`\n  SKIPPED the scale-out tests (two brokers on one Redis): ${skipBecause}\n`);
const describeIfRedis = skipBecause ? describe.skip : describe;

const wrong = (code: string) => code.split('').map((d) => String((Number(d) + 1) % 10)).join('');

describeIfRedis('two broker instances behind a load balancer without sticky sessions, sharing one Redis', () => {
  let cluster: Cluster;
  let A: ChildBroker;
  let B: ChildBroker;
  beforeAll(async () => {
    cluster = await startCluster({ instances: 2, env: { SMS_LIMIT_PER_NUMBER: '3/3600' } });
    [A, B] = cluster.instances;
  }, 60_000);
  afterAll(() => cluster?.close());

  /** the device's trip to the operator, stopping at the redirect to PUBLIC_URL/callback */
  async function toOperatorAndBack(phone: Device, instance: ChildBroker, phoneNumber: string): Promise<URL> {
    const start = `${instance.url}/login?phoneNumber=${encodeURIComponent(phoneNumber)}&network=cellular&redirect=true`;
    const { location } = await phone.followUntil(start, (next) => next.pathname === '/callback');
    expect(location.origin).toBe(cluster.publicUrl);
    return location;
  }

  it('a verification started on A is completed by the operator callback on B and read as verified on A', async () => {
    const phone = new Device('127.0.0.2');
    const callback = await toOperatorAndBack(phone, A, '+34600000002');
    const landed = await phone.get(cluster.via(B, callback.href));
    expect(landed.status).toBe(302);
    const result = new URL(landed.headers.location!);
    expect(result.origin + result.pathname).toBe(`${cluster.publicUrl}/result.html`);
    expect(result.searchParams.get('status')).toBe('verified');

    const read = await phone.get(`${A.url}/v1/verifications/${result.searchParams.get('verificationId')}`);
    expect(read.status).toBe(200);
    expect(read.json()).toMatchObject({ status: 'verified', method: 'silent_auth', operator: 'sandbox' });
  });

  it('started on A, callback on B, status read on A, code checked on B: the SMS leg spans instances too', async () => {
    // the SIM in this device holds +34600000003: the operator says no (on B), and the app's JSON POST on A sends the code
    const phone = new Device('127.0.0.3');
    const callback = await toOperatorAndBack(phone, A, '+34600000002');
    const landed = await phone.get(cluster.via(B, callback.href), { accept: 'application/json' });
    expect(landed.status).toBe(200);
    const id = landed.json().id as string;
    expect(landed.json()).toMatchObject({ status: 'fallback_required', reason: 'number_mismatch' });
    expect((await phone.post(`${A.url}/v1/verifications/${id}/fallback`, {})).status).toBe(202);

    expect((await phone.get(`${A.url}/v1/verifications/${id}`)).json()).toMatchObject({ status: 'otp_sent', otp: { attemptsRemaining: 5 } });
    const checked = await phone.post(`${B.url}/v1/verifications/${id}/code`, { code: cluster.lastCodeFor('+34600000002') });
    expect(checked.status).toBe(200);
    expect(checked.json()).toMatchObject({ status: 'verified', sessionToken: expect.stringMatching(/^ey/) });
    expect((await phone.get(`${A.url}/v1/verifications/${id}`)).json()).toMatchObject({ status: 'verified', method: 'sms_otp' });
  });

  it('the same operator callback replayed on A and B at once succeeds exactly once', async () => {
    const phone = new Device('127.0.0.2');
    const callback = await toOperatorAndBack(phone, A, '+34600000002');
    const answers = await Promise.all([A, B, A, B].map((instance) => phone.get(cluster.via(instance, callback.href), { accept: 'application/json' })));
    const succeeded = answers.filter((r) => r.status === 200);
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0].json()).toMatchObject({ status: 'verified' });
    for (const refused of answers.filter((r) => r.status !== 200)) {
      expect(refused.status).toBe(400);
      expect(refused.json()).toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
  });

  it('20 wrong codes sent at once to both instances count at most 5 attempts, then the verification is failed', async () => {
    const phone = new Device('127.0.0.40');
    const started = await phone.post(`${A.url}/v1/verifications`, { phoneNumber: '+34600000040', network: 'wifi' });
    expect(started.json()).toMatchObject({ status: 'otp_sent' });
    const id = started.json().verificationId as string;
    const code = cluster.lastCodeFor('+34600000040');

    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => phone.post(`${(i % 2 ? B : A).url}/v1/verifications/${id}/code`, { code: wrong(code) })),
    );
    // each counted guess saw its own attempt number: none was counted twice or lost
    const counted = answers.filter((r) => r.json().code === 'INVALID_OTP');
    expect(counted.map((r) => r.json().attemptsRemaining).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(answers.every((r) => [400, 403, 409].includes(r.status))).toBe(true);

    const read = (await phone.get(`${B.url}/v1/verifications/${id}`)).json();
    expect(read.events.filter((e: { type: string }) => e.type === 'code_checked')).toHaveLength(5);
    expect(read).toMatchObject({ status: 'failed', reason: 'too_many_attempts' });
    const right = await phone.post(`${A.url}/v1/verifications/${id}/code`, { code });
    expect(right.json()).toMatchObject({ code: 'OTP_ATTEMPTS_EXCEEDED' });
  });

  it('the per-number SMS limit is one counter for all instances', async () => {
    // SMS_LIMIT_PER_NUMBER=3/3600 on both: three sends, wherever they are asked for, use it up
    const number = '+34600000041';
    const phone = new Device('127.0.0.41');
    const startOn = async (instance: ChildBroker) => (await phone.post(`${instance.url}/v1/verifications`, { phoneNumber: number, network: 'wifi' })).json();
    for (const instance of [A, B, A]) expect(await startOn(instance)).toMatchObject({ status: 'otp_sent' });

    // a fourth start, on B, sends nothing: the refusal is on the verification, and asking again on A is a 429
    const fourth = await startOn(B);
    expect(fourth).toMatchObject({ status: 'fallback_required' });
    expect(fourth.verification.events.at(-1)).toMatchObject({ type: 'sms_refused', detail: { code: 'TOO_MANY_REQUESTS' } });
    const again = await phone.post(`${A.url}/v1/verifications/${fourth.verificationId}/fallback`, {});
    expect(again.status).toBe(429);
    expect(again.json()).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    expect(Number(again.headers['retry-after'])).toBeGreaterThan(0);
    expect(cluster.sms.received.filter((r) => JSON.parse(r.body).to === number)).toHaveLength(3);
  });

  it('a browser session made on one instance is honoured by the other, and a stranger is refused on both', async () => {
    const phone = new Device('127.0.0.42');
    const started = await phone.post(`${B.url}/v1/verifications`, { phoneNumber: '+34600000042', network: 'wifi' });
    const id = started.json().verificationId as string;
    expect((await phone.get(`${A.url}/v1/verifications/${id}`)).status).toBe(200);
    for (const instance of [A, B]) expect((await new Device('127.0.0.43').get(`${instance.url}/v1/verifications/${id}`)).status).toBe(403);
  });
});
