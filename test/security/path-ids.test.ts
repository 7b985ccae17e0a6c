import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import { deleteKeys, REDIS_URL, uniquePrefix, whyNoRedis } from '../store/support/redis.js';

const skipBecause = await whyNoRedis();
if (skipBecause) console.warn(`\n  SKIPPED the Redis half of the path id tests: ${skipBecause}\n`);

/** ids that name other Redis keys (v:open, v:recent), other kinds, or nothing an id can be */
const HOSTILE_IDS = ['open', 'recent', 'vrf_', 'vrf_short', `vrf_${'A'.repeat(23)}`, '..%2F..%2Fetc', '%00', 'vrf_AAAAAAAAAAAAAAAAAAAA%3A', 'x'.repeat(300)];
const SUFFIXES: Array<['GET' | 'POST', string]> = [['GET', ''], ['POST', '/code'], ['POST', '/resend'], ['POST', '/fallback']];

for (const kind of ['sqlite', 'redis'] as const) {
  const describeStore = kind === 'redis' && skipBecause ? describe.skip : describe;
  describeStore(`path ids are checked by their format before the store (${kind})`, () => {
    const prefix = uniquePrefix('path-ids');
    let broker: TestBroker;
    beforeAll(async () => {
      broker = await startTestBroker({ env: kind === 'redis' ? { STORE: 'redis', REDIS_URL, REDIS_KEY_PREFIX: prefix } : {}, background: false });
      // an open verification, so that v:open and v:recent exist
      await broker.device().post(`${broker.url}/v1/verifications`, { phoneNumber: '+34600000002', network: 'cellular' });
    });
    afterAll(async () => {
      await broker?.close();
      if (kind === 'redis') await deleteKeys(prefix);
    });

    it('a verification id that is not vrf_ + 22 base64url characters is a 404 NOT_FOUND, never a 500', async () => {
      const device = broker.device();
      for (const id of HOSTILE_IDS) {
        for (const [method, suffix] of SUFFIXES) {
          const res = await device.request(method, `${broker.url}/v1/verifications/${id}${suffix}`, method === 'POST' ? { body: suffix === '/code' ? { code: '123456' } : {} } : {});
          expect({ id, suffix, status: res.status, code: res.json().code }).toEqual({ id, suffix, status: 404, code: 'NOT_FOUND' });
        }
      }
      expect(broker.logs.filter((line) => JSON.parse(line).level >= 50)).toEqual([]);
    });

    it('below the routes too, a string that is not a verification id names no stored key: the store just misses', async () => {
      for (const id of ['open', 'recent', '']) expect(await broker.deps.store.verifications.get(id)).toBeUndefined();
    });

    it('a webhook delivery id that is not msg_ + 22 base64url characters is a 404 for the admin too', async () => {
      const res = await broker.device().post(`${broker.url}/v1/webhooks/deliveries/ob:due/replay`, {}, { authorization: `Bearer ${broker.deps.secrets.adminApiKey}` });
      expect([res.status, res.json().code]).toEqual([404, 'NOT_FOUND']);
    });
  });
}
