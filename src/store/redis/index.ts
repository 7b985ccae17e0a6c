import type { Store } from '../store.js';
import { typedRecords } from '../records.js';
import { createRedisApplications } from './applications.js';
import { connect, guard, waitUntilReady, type StoreLogger } from './connection.js';
import { keyLayout } from './keys.js';
import { createRedisOutbox } from './outbox.js';
import { defineScripts } from './scripts.js';
import { createRedisVerifications } from './verifications.js';

export interface RedisStoreOptions {
  url: string;
  /** prepended to every key (REDIS_KEY_PREFIX) */
  keyPrefix?: string;
  logger?: StoreLogger;
}

/**
 * The shared store for several broker instances (see keys.ts for the key layout). Each record is the same
 * JSON the SQLite store keeps in a row, under its own key with a TTL (applications excepted: they are
 * configuration and stay), so nothing needs a cleanup job except the index entries of records that expired. Verifications and authorization states are deflated
 * (compact.ts), sessions by their adapter, to keep an in-flight verification within 1 KiB.
 */
export async function createRedisStore(options: RedisStoreOptions): Promise<Store> {
  const client = connect(options.url, options.logger);
  await waitUntilReady(client, options.url);
  const keys = keyLayout(options.keyPrefix ?? 'broker:');
  const scripts = defineScripts(client);
  const outbox = createRedisOutbox(client, keys, scripts);

  const sweep = setInterval(() => void outbox.sweep(new Date()).catch(() => undefined), 10 * 60 * 1000);
  sweep.unref();

  return {
      kind: 'redis',
      verifications: createRedisVerifications(client, keys, scripts),
      outbox: {
        enqueue: (messages) => guard(() => outbox.enqueue(messages)),
        claim: (now, max, leaseMs) => guard(() => outbox.claim(now, max, leaseMs)),
        complete: (id, result, now) => guard(() => outbox.complete(id, result, now)),
        list: (filter) => guard(() => outbox.list(filter)),
        replay: (id, now) => guard(() => outbox.replay(id, now)),
        countPending: () => guard(() => outbox.countPending()),
        purgeFinished: (finishedBefore, limit) => guard(() => outbox.purge(finishedBefore, limit)),
      },
      keyValue: {
        get: (key) => guard(async () => (await client.getBuffer(keys.keyValue(key))) ?? undefined),
        set: (key, value, ttlMs) => guard(async () => void (await client.set(keys.keyValue(key), value, 'PX', Math.max(1, Math.round(ttlMs))))),
        delete: (key) => guard(async () => void (await client.del(keys.keyValue(key)))),
        increment: (key, points, ttlMs) =>
          guard(async () => {
            const [value, msBeforeReset] = (await scripts.increment([keys.keyValue(key)], points, Math.max(1, Math.round(ttlMs)))) as [number, number];
            return { value, msBeforeReset };
          }),
      },
      records: typedRecords(
        {
          get: (ns, key) => guard(async () => (await client.get(keys.record(ns, key))) ?? undefined),
          put: (ns, key, json, ttlSeconds) =>
            guard(async () => void (await (ttlSeconds ? client.set(keys.record(ns, key), json, 'EX', ttlSeconds) : client.set(keys.record(ns, key), json)))),
          delete: (ns, key) => guard(async () => void (await client.del(keys.record(ns, key)))),
        },
        options.logger,
      ),
      applications: createRedisApplications(client, keys, scripts),
      ping: () => guard(async () => void (await client.ping())),
      close: async () => {
        clearInterval(sweep);
        if (client.status === 'end') return;
        await client.quit().catch(() => client.disconnect());
      },
  };
}
