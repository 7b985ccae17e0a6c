import type { RecordKind } from '../../src/store/store.js';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Store } from '../../src/store/store.js';
import { RateLimit } from '../../src/otp/rate-limits.js';
import { newApiKey } from '../../src/applications/application.js';
import { anApplication, aVerification, sessionsOf } from './contract.js';
import { redisSite, REDIS_URL, whyNoRedis } from './support/redis.js';

/** an untyped record kind: any JSON reads back as it was written */
const kind = (namespace: string): RecordKind<unknown> => ({ namespace, schema: z.unknown() });

const skipBecause = await whyNoRedis();
if (skipBecause) console.warn(`\n  SKIPPED the Redis key and TTL tests: ${skipBecause}\n`);
const describeIfRedis = skipBecause ? describe.skip : describe;

const HOUR = 3600_000;
const DAY = 24 * HOUR;

describeIfRedis('the Redis store cleans up after itself (keys and TTLs)', () => {
  const site = redisSite('keys');
  const p = site.prefix;
  let store: Store;
  let redis: Redis;
  beforeAll(async () => {
    store = await site.open();
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await store?.close();
    redis?.disconnect();
    await site.destroy();
  });

  it('a verification lives until its expiresAt plus 24 hours, then Redis drops it', async () => {
    const v = aVerification();
    await store.verifications.create(v);
    const expected = Date.parse(v.expiresAt) + DAY - Date.now();
    expect(Math.abs((await redis.pttl(`${p}v:${v.id}`)) - expected)).toBeLessThan(5000);

    // an update that moves expiresAt moves the TTL with it
    const later = new Date(Date.parse(v.expiresAt) + HOUR).toISOString();
    await store.verifications.update(v.id, (cur) => ({ next: { ...cur, expiresAt: later } }));
    expect(Math.abs((await redis.pttl(`${p}v:${v.id}`)) - (expected + HOUR))).toBeLessThan(5000);
  });

  it('an authorization state lives until its expiresAt; a session until its cookie expires', async () => {
    const state = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + 10 * 60_000);
    const owner = aVerification();
    await store.verifications.create(owner, { authorization: { state, verificationId: owner.id, operatorId: 'sandbox', codeVerifier: 'v'.repeat(43), nonce: 'n'.repeat(43), expiresAt: expiresAt.toISOString() } });
    expect(Math.abs((await redis.pttl(`${p}st:${state}`)) - 10 * 60_000)).toBeLessThan(5000);

    const cookie = { originalMaxAge: HOUR, expires: new Date(Date.now() + HOUR), httpOnly: true, path: '/' };
    await sessionsOf(store).set('sid-ttl', { cookie } as never);
    expect(Math.abs((await redis.pttl(`${p}s:sid-ttl`)) - HOUR)).toBeLessThan(5000);
  });

  it('a finished webhook delivery expires after a year at the latest (a background job purges it after WEBHOOK_RETENTION_HOURS); one still waiting never expires', async () => {
    const message = (id: string) => ({ id, applicationId: 'default', eventType: 'verification.completed', payload: '{}', createdAt: new Date().toISOString() });
    await store.outbox.enqueue([message('msg_done'), message('msg_waiting')]);
    await store.outbox.claim(new Date(Date.now() + 1000), 10, 30_000);
    await store.outbox.complete('msg_done', { ok: true, status: 200 }, new Date());
    await store.outbox.complete('msg_waiting', { ok: false, status: 503, error: 'HTTP 503', nextAttemptAt: new Date(Date.now() + 60_000) }, new Date());
    expect(Math.abs((await redis.pttl(`${p}ob:d:msg_done`)) - 365 * DAY)).toBeLessThan(5000);
    expect(await redis.pttl(`${p}ob:d:msg_waiting`)).toBe(-1);

    // replaying the finished one makes it durable again
    await store.outbox.replay('msg_done', new Date());
    expect(await redis.pttl(`${p}ob:d:msg_done`)).toBe(-1);
  });

  it('the expiry index forgets verifications whose record Redis has dropped', async () => {
    const gone = aVerification({ expiresAt: new Date(Date.now() - 1000).toISOString() });
    const kept = aVerification({ expiresAt: new Date(Date.now() - 1000).toISOString() });
    await store.verifications.create(gone);
    await store.verifications.create(kept);
    await redis.del(`${p}v:${gone.id}`); // as its TTL would
    expect(await store.verifications.listExpiredIds(new Date(), 10)).toEqual(expect.arrayContaining([kept.id]));
    expect(await store.verifications.listExpiredIds(new Date(), 10)).not.toContain(gone.id);
    expect(await redis.zscore(`${p}v:open`, gone.id)).toBeNull();
  });

  it('the list of recent verifications keeps the 100 newest ids', async () => {
    const t0 = Date.now();
    for (let i = 0; i < 110; i++) await store.verifications.create(aVerification({}, new Date(t0 + i)));
    expect(await redis.zcard(`${p}v:recent`)).toBe(100);
    expect(await store.verifications.listRecent(200)).toHaveLength(100);
  });

  it('an application and its key index never expire; the index holds exactly the key ids it holds, even after a refused create', async () => {
    const app = anApplication({ id: 'ids' }); // the name an index of ids would have had under `app:`
    const [first] = app.keys;
    await store.applications.create(app);
    const impostor = anApplication({ id: app.id });
    await expect(store.applications.create(impostor)).rejects.toThrow();
    expect(await redis.exists(`${p}appkey:${impostor.keys[0].id}`)).toBe(0);
    expect(await redis.zrange(`${p}apps`, 0, -1)).toEqual(['ids']);

    const added = newApiKey(new Date()).record;
    await store.applications.update(app.id, (cur) => ({ ...cur, keys: [added] }));
    expect(await redis.exists(`${p}appkey:${first.id}`)).toBe(0);
    expect(await redis.get(`${p}appkey:${added.id}`)).toBe(app.id);
    expect(await redis.pttl(`${p}app:${app.id}`)).toBe(-1);
    expect(await redis.pttl(`${p}appkey:${added.id}`)).toBe(-1);
    expect(await store.applications.list()).toMatchObject([{ id: 'ids', keys: [added] }]);
  });

  it('a key id dropped by one application is not taken from another that holds it', async () => {
    const shared = newApiKey(new Date()).record;
    const [a, b] = [anApplication({ keys: [shared] }), anApplication()];
    await store.applications.create(a);
    await store.applications.create(b);
    // an administrator copied the key id into b (key ids are random: only a hand-made record repeats one)
    await store.applications.update(b.id, (cur) => ({ ...cur, keys: [...cur.keys, shared] }));
    await store.applications.update(a.id, (cur) => ({ ...cur, keys: [] }));
    expect(await redis.get(`${p}appkey:${shared.id}`)).toBe(b.id);
  });

  it('every key the store writes is under the configured prefix, in the documented layout', async () => {
    const limiterName = `layout-${randomBytes(4).toString('hex')}`;
    await new RateLimit(store.keyValue, { name: limiterName, points: 5, duration: 60 }).consume('+34600000002');
    await store.keyValue.set('any:other/key', Buffer.from('x'), 60_000);
    await store.records.put(kind('tokens'), 'k:1', { a: 1 });
    await store.applications.create(anApplication());
    const anywhere = await redis.keys(`*${limiterName}*`);
    expect(anywhere.length).toBeGreaterThan(0);
    expect(anywhere.every((k) => k.startsWith(p))).toBe(true);

    const ours = await redis.keys(`${p}*`);
    const layout = /^(v:vrf_[\w-]+|v:open|v:recent|st:[\w-]+|s:[\w-]+|r:[^:]+:[^:]+|rl:[\w-]+:.+|ob:d:[\w-]+|ob:due|ob:all|ob:st:(pending|delivering|delivered|failed)|ob:done|ob:seq|kv:[^:]+|app:[\w.-]+|apps|appkey:[\w-]{12})$/;
    expect(ours.map((k) => k.slice(p.length)).filter((k) => !layout.test(k))).toEqual([]);
    expect(ours).toContain(`${p}kv:${encodeURIComponent('any:other/key')}`);
  });
});
