import { setTimeout as sleep } from 'node:timers/promises';
import { isFinal, type Verification } from '../../domain/verification.js';
import { StoreUnavailable } from '../../errors.js';
import type { OutboxMessage, Store } from '../store.js';
import { packAuthorizationState, packVerification, unpackAuthorizationState, unpackVerification } from './compact.js';
import { connect, guard, waitUntilReady, type StoreLogger } from './connection.js';
import { keyLayout } from './keys.js';
import { createRedisOutbox, messageArgs } from './outbox.js';
import { RedisRateLimiter } from './rate-limiter.js';
import { defineScripts } from './scripts.js';
import { RedisSessionStore } from './sessions.js';

/** how long verifications stay readable after they expire (as in the SQLite store), then Redis drops them */
const RETENTION_MS = 24 * 3600 * 1000;
/** how many verification ids the "recent" index keeps: the developer page shows 50; 100 stay in a compact listpack */
const RECENT_KEPT = 100;
/** optimistic update: tries before giving up on a record that keeps changing under us */
const UPDATE_TRIES = 50;

export interface RedisStoreOptions {
  url: string;
  /** prepended to every key (REDIS_KEY_PREFIX) */
  keyPrefix?: string;
  logger?: StoreLogger;
}

/**
 * The shared store for several broker instances (see keys.ts for the key layout). Each record is the same
 * JSON the SQLite store keeps in a row, under its own key with a TTL, so nothing needs a cleanup job except
 * the index entries of records that expired. Verifications, authorization states and sessions are deflated
 * (compact.ts) to keep an in-flight verification within 1 KiB.
 *
 * updateVerification is optimistic: read the record, run the (pure) change, then a Lua compare-and-set writes
 * the result and its outbox messages only if the record is still what the change saw, else it runs again on the
 * fresh record. (WATCH/MULTI would need a connection per concurrent update; a script needs none.)
 */
export async function createRedisStore(options: RedisStoreOptions): Promise<Store> {
  const client = connect(options.url, options.logger);
  await waitUntilReady(client, options.url);
  const keys = keyLayout(options.keyPrefix ?? 'broker:');
  const scripts = defineScripts(client);
  const outbox = createRedisOutbox(client, keys, scripts);
  const p = keys.prefix;

  const sweep = setInterval(() => void outbox.sweep(new Date()).catch(() => undefined), 10 * 60 * 1000);
  sweep.unref();

  const updateVerification = async (id: string, change: Parameters<Store['updateVerification']>[1]) => {
    for (let attempt = 1; attempt <= UPDATE_TRIES; attempt++) {
      const current = await guard(() => client.getBuffer(keys.verification(id)));
      if (current === null) return undefined;
      // outside guard: what the change throws is the caller's business, not an outage
      const result = change(unpackVerification(id, current));
      if (!result) return undefined;
      const { next } = result;
      const messages: OutboxMessage[] = result.outbox ?? [];
      const written = await guard(() =>
        scripts.updateVerification(
          p, id, current, packVerification(next), ttlOf(next), isFinal(next.status) ? '1' : '0', Date.parse(next.expiresAt),
          Date.now(), messages.length, ...messageArgs(messages),
        ),
      );
      if (written === 1) return next;
      if (written === -1) return undefined;
      // another instance wrote first; spread the retries of many racers a little
      if (attempt > 2) await sleep(Math.random() * 5 * attempt);
    }
    throw new StoreUnavailable(new Error(`verification ${id} kept changing during ${UPDATE_TRIES} update attempts`));
  };

  return {
    kind: 'redis',

    createVerification: (v) =>
      guard(async () => {
        const tx = client
          .multi()
          .set(keys.verification(v.id), packVerification(v), 'PX', ttlOf(v), 'NX')
          .zadd(keys.recentVerifications, Date.parse(v.createdAt), v.id)
          .zremrangebyrank(keys.recentVerifications, 0, -RECENT_KEPT - 1);
        if (!isFinal(v.status)) tx.zadd(keys.openVerifications, Date.parse(v.expiresAt), v.id);
        const results = await tx.exec();
        const failed = results?.find(([err]) => err);
        if (failed) throw failed[0];
        if (results?.[0][1] !== 'OK') throw new Error(`verification ${v.id} already exists`);
      }),
    getVerification: (id) =>
      guard(async () => {
        const stored = await client.getBuffer(keys.verification(id));
        return stored ? unpackVerification(id, stored) : undefined;
      }),
    updateVerification,
    listRecentVerifications: (limit) =>
      guard(async () => {
        const ids = await client.zrevrange(keys.recentVerifications, 0, limit - 1);
        if (ids.length === 0) return [];
        const rows = await client.mgetBuffer(ids.map(keys.verification));
        return rows.flatMap((row, i) => (row ? [unpackVerification(ids[i], row)] : []));
      }),
    listExpiredVerificationIds: (now, limit) => guard(async () => (await scripts.expiredVerifications(p, now.getTime(), limit)) as string[]),

    saveAuthorizationState: (s) =>
      guard(async () => {
        const ttl = Date.parse(s.expiresAt) - Date.now();
        // an already expired state could never be consumed: nothing to keep
        if (ttl > 0) await client.set(keys.authorizationState(s.state), packAuthorizationState(s), 'PX', ttl);
      }),
    consumeAuthorizationState: (state) =>
      guard(async () => {
        const stored = await client.getdelBuffer(keys.authorizationState(state));
        return stored ? unpackAuthorizationState(state, stored) : undefined;
      }),

    putRecord: (ns, key, value, ttlSeconds) =>
      guard(async () => {
        const json = JSON.stringify(value);
        await (ttlSeconds ? client.set(keys.record(ns, key), json, 'EX', ttlSeconds) : client.set(keys.record(ns, key), json));
      }),
    getRecord: <T>(ns: string, key: string) => guard(async () => parse<T>(await client.get(keys.record(ns, key)))),
    deleteRecord: (ns, key) => guard(async () => void (await client.del(keys.record(ns, key)))),

    enqueue: (messages) => guard(() => outbox.enqueue(messages)),
    claimDeliveries: (now, max, leaseMs) => guard(() => outbox.claim(now, max, leaseMs)),
    completeDelivery: (id, result, now) => guard(() => outbox.complete(id, result, now)),
    listDeliveries: (filter) => guard(() => outbox.list(filter)),
    replayDelivery: (id, now) => guard(() => outbox.replay(id, now)),
    countPendingDeliveries: () => guard(() => outbox.countPending()),
    purgeFinishedDeliveries: (finishedBefore, limit) => guard(() => outbox.purge(finishedBefore, limit)),

    rateLimiter: ({ keyPrefix, points, duration }) => new RedisRateLimiter(client, { keyPrefix: keys.rateLimiter(keyPrefix), points, duration }),
    sessions: new RedisSessionStore(client, keys),

    ping: () => guard(async () => void (await client.ping())),
    close: async () => {
      clearInterval(sweep);
      if (client.status === 'end') return;
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** a verification's key lives until its expiresAt plus the retention */
function ttlOf(v: Verification): number {
  return Math.max(1000, Date.parse(v.expiresAt) + RETENTION_MS - Date.now());
}

function parse<T>(json: string | null): T | undefined {
  return json === null ? undefined : (JSON.parse(json) as T);
}
