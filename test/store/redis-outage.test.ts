import type { RecordKind } from '../../src/store/store.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { StoreUnavailable } from '../../src/errors.js';
import { RateLimit } from '../../src/otp/rate-limits.js';
import { createRedisStore } from '../../src/store/redis/index.js';
import type { Store } from '../../src/store/store.js';
import { freePort } from '../support/child-broker.js';
import { anApplication, aVerification, sessionsOf } from './contract.js';
import { deleteKeys, REDIS_URL, uniquePrefix, whyNoRedis } from './support/redis.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

/** an untyped record kind: any JSON reads back as it was written */
const kind = (namespace: string): RecordKind<unknown> => ({ namespace, schema: z.unknown() });

const skipBecause = await whyNoRedis();
if (skipBecause) console.warn(`\n  SKIPPED the Redis outage tests: ${skipBecause}\n`);
const describeIfRedis = skipBecause ? describe.skip : describe;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually(check: () => Promise<unknown>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(50);
    }
  }
}

/** how a call fails, and how long it took to fail */
async function failureOf(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await call();
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('the call succeeded while Redis was away');
}

describeIfRedis('the Redis store when Redis goes away', () => {
  const prefix = uniquePrefix('outage');
  let proxy: TcpProxy;
  let store: Store;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    const target = new URL(REDIS_URL);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    store = await createRedisStore({ url: proxy.url, keyPrefix: prefix });
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await store?.close();
    await proxy?.close();
    await deleteKeys(prefix);
  });

  it('every kind of call fails fast with StoreUnavailable while Redis is away, and works again when it is back', async () => {
    const v = aVerification();
    await store.verifications.create(v);
    const app = anApplication();
    await store.applications.create(app);
    const limiter = new RateLimit(store.keyValue, { name: 'otp', points: 5, duration: 60 });

    await proxy.stop();
    await eventually(() => expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailable));

    const calls: Record<string, () => Promise<unknown>> = {
      getVerification: () => store.verifications.get(v.id),
      createVerification: () => store.verifications.create(aVerification()),
      updateVerification: () => store.verifications.update(v.id, (cur) => ({ next: { ...cur, status: 'verified' } })),
      listRecentVerifications: () => store.verifications.listRecent(10),
      listExpiredVerificationIds: () => store.verifications.listExpiredIds(new Date(), 10),
      createWithAuthorization: () => store.verifications.create(aVerification(), { authorization: { state: 's', verificationId: v.id, operatorId: 'x', codeVerifier: 'c', nonce: 'n', expiresAt: v.expiresAt } }),
      consumeAuthorizationState: () => store.verifications.consumeAuthorization('s'),
      putRecord: () => store.records.put(kind('ns'), 'k', 1),
      getRecord: () => store.records.get(kind('ns'), 'k'),
      deleteRecord: () => store.records.delete(kind('ns'), 'k'),
      enqueue: () => store.outbox.enqueue([{ id: 'm', applicationId: 'a', eventType: 'e', payload: '{}', createdAt: new Date().toISOString() }]),
      claimDeliveries: () => store.outbox.claim(new Date(), 10, 1000),
      completeDelivery: () => store.outbox.complete('m', { ok: true, status: 200 }, new Date()),
      listDeliveries: () => store.outbox.list({ limit: 10 }),
      replayDelivery: () => store.outbox.replay('m', new Date()),
      countPendingDeliveries: () => store.outbox.countPending(),
      purgeFinishedDeliveries: () => store.outbox.purgeFinished(new Date(), 10),
      rateLimiter: () => limiter.consume('vrf_x'),
      sessions: () => sessionsOf(store).get('sid'),
      keyValueSet: () => store.keyValue.set('s:x', Buffer.from('x'), 1000),
      keyValueIncrement: () => store.keyValue.increment('rl:x:y', 1, 1000),
      createWithAll: () => store.verifications.create(aVerification(), { session: { id: 'sid', data: Buffer.from('x'), ttlMs: 1000 } }),
      typedRecord: () => store.records.get({ namespace: 'ns', schema: z.number() }, 'k'),
      createApplication: () => store.applications.create(anApplication()),
      getApplication: () => store.applications.get(app.id),
      findApplicationByKeyId: () => store.applications.findByKeyId(app.keys[0].id),
      listApplications: () => store.applications.list(),
      updateApplication: () => store.applications.update(app.id, (cur) => ({ ...cur, name: 'Renamed' })),
    };
    for (const [name, call] of Object.entries(calls)) {
      const { error, ms } = await failureOf(call);
      expect([name, error]).toEqual([name, expect.any(StoreUnavailable)]);
      expect([name, ms]).toEqual([name, expect.any(Number)]);
      expect(ms).toBeLessThan(1000);
      expect((error as StoreUnavailable).status).toBe(503);
    }

    await proxy.start();
    await eventually(() => expect(store.ping()).resolves.toBeUndefined());
    expect(await store.verifications.get(v.id)).toEqual(v);
    expect(await store.verifications.update(v.id, (cur) => ({ next: { ...cur, status: 'verified' } }))).toMatchObject({ status: 'verified' });
    await expect(limiter.consume('vrf_x')).resolves.toMatchObject({ allowed: true });
    expect(await store.applications.update(app.id, (cur) => ({ ...cur, name: 'Renamed' }))).toMatchObject({ name: 'Renamed' });
    expect(unhandled).toEqual([]);
  });

  it('a Redis that stops answering fails calls within the command timeout instead of hanging them', async () => {
    const v = aVerification();
    await store.verifications.create(v);
    proxy.freeze();
    try {
      const { error, ms } = await failureOf(() => store.verifications.get(v.id));
      expect(error).toBeInstanceOf(StoreUnavailable);
      expect(ms).toBeGreaterThanOrEqual(1500);
      expect(ms).toBeLessThan(3500);
    } finally {
      proxy.thaw();
    }
    await eventually(async () => expect(await store.verifications.get(v.id)).toEqual(v));
  });

  it('a broker that cannot reach Redis at start says so, naming REDIS_URL and not its password', async () => {
    const closed = await freePort();
    const failure = await createRedisStore({ url: `redis://user:s3cret-pass@127.0.0.1:${closed}` }).catch((err: Error) => err);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/Cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+.*REDIS_URL/);
    expect((failure as Error).message).not.toContain('s3cret-pass');
  });
});
