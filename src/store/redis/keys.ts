import { VERIFICATION_ID } from '../../domain/verification.js';
import type { DeliveryStatus } from '../store.js';

/**
 * Every key the Redis store writes, under one prefix (REDIS_KEY_PREFIX, default `broker:`) so several
 * brokers, or test runs, can share a Redis. `{p}` is the prefix. This file is the only place that spells
 * a key: the store's commands and the Lua scripts (scripts.ts) get every key they touch from it.
 *
 *   {p}v:{id}            string   verification, compacted (compact.ts); expires `expiresAt` + retention;
 *                                 only a well-formed id (`vrf_` + 22 base64url) names a `v:` key, so no id
 *                                 can name the indexes below: any other string maps to `{p}v?{encoded}`,
 *                                 which nothing writes (a read misses, as for an unknown id)
 *   {p}v:open            zset     unfinished verification ids by expiresAt (ms), for the expiry sweeper
 *   {p}v:recent          zset     the 100 newest verification ids by createdAt (ms), for the developer page
 *   {p}st:{state}        string   authorization state, compacted; expires at its `expiresAt`;
 *                                 taken with GETDEL
 *   {p}r:{ns}:{key}      string   facade record JSON, optional TTL (ns and key URI-encoded)
 *   {p}s:{sid}           string   key-value: express-session data (src/http/session-store.ts encodes it);
 *                                 expires with the cookie
 *   {p}rl:{limit}:{k}    string   key-value: a rate-limit window's counter (src/otp/rate-limits.ts);
 *                                 expires at the end of the window
 *   {p}kv:{key}          string   key-value: any other key (URI-encoded), so no key-value key can name
 *                                 another kind of key
 *   {p}ob:d:{id}         hash     webhook delivery (an OutboxMessage plus its delivery state)
 *   {p}ob:due            zset     deliveries waiting for a worker by the time they may be claimed
 *                                 (pending: nextAttemptAt; delivering: end of the lease)
 *   {p}ob:all            zset     every delivery by creation order, for listing
 *   {p}ob:st:{status}    zset     deliveries in one status by creation order, for listing by status
 *   {p}ob:done           zset     finished (delivered/failed) deliveries by when they finished (ms), for
 *                                 the purge after WEBHOOK_RETENTION_HOURS
 *   {p}ob:seq            string   counter that orders deliveries created in the same millisecond
 *   {p}app:{id}          string   application JSON (applicationSchema's output); no TTL (id URI-encoded)
 *   {p}apps              zset     every application id, all with score 0, so they list by id
 *                                 (not `app:ids`, which is what an application called `ids` would be)
 *   {p}appkey:{keyId}    string   the id of the application holding an API key id, revoked or not;
 *                                 no TTL (keyId URI-encoded)
 *
 * A script gets the keys it names in KEYS. Four scripts also reach records whose ids they find in an index
 * (the claim, the purge and the sweep of deliveries, the expiry sweep of verifications); those get the
 * family's key prefix (`verificationPrefix`, `deliveryPrefix`) as an argument, from here too. Such keys are
 * not declared to Redis in advance, so the store needs a standalone Redis (or one behind Sentinel), not
 * Redis Cluster.
 */
export function keyLayout(prefix: string) {
  const verificationPrefix = `${prefix}v:`;
  const deliveryPrefix = `${prefix}ob:d:`;
  const deliveriesIn = (status: DeliveryStatus) => `${prefix}ob:st:${status}`;
  return {
    prefix,
    verificationPrefix,
    verification: (id: string) => (VERIFICATION_ID.test(id) ? `${verificationPrefix}${id}` : `${prefix}v?${encodeURIComponent(id)}`),
    openVerifications: `${prefix}v:open`,
    recentVerifications: `${prefix}v:recent`,
    authorizationState: (state: string) => `${prefix}st:${state}`,
    record: (ns: string, key: string) => `${prefix}r:${encodeURIComponent(ns)}:${encodeURIComponent(key)}`,
    /** the spaces of store.ts keyValueKeys keep their own short keys; anything else stays under `kv:` */
    keyValue: (key: string) => (/^(s|rl):/.test(key) ? `${prefix}${key}` : `${prefix}kv:${encodeURIComponent(key)}`),
    deliveryPrefix,
    delivery: (id: string) => `${deliveryPrefix}${id}`,
    deliveriesDue: `${prefix}ob:due`,
    deliveriesAll: `${prefix}ob:all`,
    deliveriesDone: `${prefix}ob:done`,
    deliverySequence: `${prefix}ob:seq`,
    deliveriesIn,
    /** the four status indexes, in the order the scripts read them */
    deliveriesByStatus: (['pending', 'delivering', 'delivered', 'failed'] as const).map(deliveriesIn),
    application: (id: string) => `${prefix}app:${encodeURIComponent(id)}`,
    applicationIds: `${prefix}apps`,
    applicationByKeyId: (keyId: string) => `${prefix}appkey:${encodeURIComponent(keyId)}`,
  };
}

export type KeyLayout = ReturnType<typeof keyLayout>;
