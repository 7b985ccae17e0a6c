import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildBroker } from '../support/child-broker.js';
import { Device, type DeviceResponse } from '../support/device.js';
import { whyNoRedis } from '../store/support/redis.js';
import { startCluster, type Cluster } from './support/cluster.js';
import { eventually, sleep } from './support/eventually.js';

const skipBecause = await whyNoRedis();
if (skipBecause) console.warn(`\n  SKIPPED the scale-out Redis outage test: ${skipBecause}\n`);
const describeIfRedis = skipBecause ? describe.skip : describe;

async function timed(request: () => Promise<DeviceResponse>): Promise<DeviceResponse & { ms: number }> {
  const started = Date.now();
  const res = await request();
  return { ...res, ms: Date.now() - started };
}

describeIfRedis('two broker instances when their Redis goes away and comes back', () => {
  let cluster: Cluster;
  let A: ChildBroker;
  let B: ChildBroker;
  beforeAll(async () => {
    cluster = await startCluster({ instances: 2 });
    [A, B] = cluster.instances;
  }, 60_000);
  afterAll(() => cluster?.close());

  it('both answer 503 STORE_UNAVAILABLE at once while Redis is away, stay up, and carry on when it is back', async () => {
    const phone = new Device('127.0.0.50');
    const started = await phone.post(`${A.url}/v1/verifications`, { phoneNumber: '+34600000050', network: 'wifi' });
    expect(started.status).toBe(201);
    const id = started.json().verificationId as string;

    await cluster.redis.stop();
    for (const instance of [A, B]) {
      const answers = [
        // with the session cookie: the session cannot be read
        await timed(() => phone.get(`${instance.url}/v1/verifications/${id}`)),
        // a newcomer: the verification cannot be written
        await timed(() => new Device('127.0.0.51').post(`${instance.url}/v1/verifications`, { phoneNumber: '+34600000051', network: 'wifi' })),
        // an operator callback: the state cannot be consumed
        await timed(() => new Device('127.0.0.51').get(`${instance.url}/callback?state=abc&code=def`)),
      ];
      for (const res of answers) {
        expect([res.url, res.status, res.json().code]).toEqual([res.url, 503, 'STORE_UNAVAILABLE']);
        expect(res.headers['retry-after']).toBe('5');
        expect(res.ms).toBeLessThan(1500);
      }
      // what needs no store (and no session) still works
      expect((await new Device('127.0.0.51').get(`${instance.url}/.well-known/jwks.json`)).status).toBe(200);
    }
    // background jobs (webhook delivery, expiry sweep) keep failing meanwhile; nothing crashes
    await sleep(1500);
    expect([A.process.exitCode, B.process.exitCode]).toEqual([null, null]);

    await cluster.redis.start();
    for (const instance of [A, B]) {
      const read = await eventually(async () => {
        const res = await phone.get(`${instance.url}/v1/verifications/${id}`);
        expect(res.status).toBe(200);
        return res;
      });
      expect(read.json()).toMatchObject({ id, status: 'otp_sent' });
    }
    const code = cluster.lastCodeFor('+34600000050');
    expect((await phone.post(`${B.url}/v1/verifications/${id}/code`, { code })).json()).toMatchObject({ status: 'verified' });

    for (const instance of [A, B]) {
      const out = instance.output();
      expect(out).toContain('redis unavailable; answering 503 until it returns');
      expect(out).toContain('redis available again');
      expect(out).not.toMatch(/\+3460000005\d/);
      expect(out).not.toMatch(/unhandled|uncaught/i);
    }
  }, 60_000);
});
