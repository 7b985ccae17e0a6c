import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createRedisStore } from '../../../src/store/redis/index.js';
import { keyLayout } from '../../../src/store/redis/keys.js';
import type { StoreSite } from '../contract.js';

/** CI sets REDIS_URL; on a developer machine Redis usually answers here too. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether Redis answers; tests that need it skip (saying why) when it does not. */
export async function redisAnswers(url = REDIS_URL): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** Why a Redis suite is skipped, or undefined when Redis answers. */
export async function whyNoRedis(url = REDIS_URL): Promise<string | undefined> {
  return (await redisAnswers(url)) ? undefined : `no Redis answers at ${url} (start one, or set REDIS_URL)`;
}

/** A key prefix no other test run uses: tests share the machine's Redis with other suites. */
export function uniquePrefix(label: string): string {
  return `test:${label}:${process.pid}:${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under the prefix. */
export async function deleteKeys(prefix: string, url = REDIS_URL): Promise<void> {
  const client = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, found] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (found.length) await client.unlink(...found);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** A Redis store site under its own prefix: every open() is another client, as another broker instance would be. */
export function redisSite(label: string, url = REDIS_URL): StoreSite & { prefix: string } {
  const prefix = uniquePrefix(label);
  return {
    prefix,
    open: () => createRedisStore({ url, keyPrefix: prefix }),
    destroy: () => deleteKeys(prefix, url),
    tamperApplication: async (id, json) => {
      const client = new Redis(url);
      try {
        await client.set(keyLayout(prefix).application(id), json);
      } finally {
        client.disconnect();
      }
    },
  };
}
