import { VERIFICATION_ID } from '../../domain/verification.js';

/**
 * Every key the Redis store writes, under one prefix (REDIS_KEY_PREFIX, default `broker:`) so several
 * brokers, or test runs, can share a Redis. `{p}` is the prefix.
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
 *   {p}s:{sid}           string   express-session data, compacted; expires with the cookie
 *   {p}rl:{limiter}:{k}  string   rate-limiter-flexible counters (RateLimiterRedis)
 *   {p}ob:d:{id}         hash     webhook delivery (an OutboxMessage plus its delivery state)
 *   {p}ob:due            zset     deliveries waiting for a worker by the time they may be claimed
 *                                 (pending: nextAttemptAt; delivering: end of the lease)
 *   {p}ob:all            zset     every delivery by creation order, for listing
 *   {p}ob:st:{status}    zset     deliveries in one status by creation order, for listing by status
 *   {p}ob:done           zset     finished (delivered/failed) deliveries by when they finished (ms), for
 *                                 the purge after WEBHOOK_RETENTION_HOURS
 *   {p}ob:seq            string   counter that orders deliveries created in the same millisecond
 *
 * Lua scripts build keys from the prefix (the outbox's claim discovers its members inside the script), so the
 * store needs a standalone Redis (or one behind Sentinel), not Redis Cluster.
 */
export function keyLayout(prefix: string) {
  return {
    prefix,
    verification: (id: string) => (VERIFICATION_ID.test(id) ? `${prefix}v:${id}` : `${prefix}v?${encodeURIComponent(id)}`),
    openVerifications: `${prefix}v:open`,
    recentVerifications: `${prefix}v:recent`,
    authorizationState: (state: string) => `${prefix}st:${state}`,
    record: (ns: string, key: string) => `${prefix}r:${encodeURIComponent(ns)}:${encodeURIComponent(key)}`,
    session: (sid: string) => `${prefix}s:${sid}`,
    rateLimiter: (name: string) => `${prefix}rl:${name}`,
    delivery: (id: string) => `${prefix}ob:d:${id}`,
    deliveriesDue: `${prefix}ob:due`,
    deliveriesAll: `${prefix}ob:all`,
    deliveriesIn: (status: string) => `${prefix}ob:st:${status}`,
  };
}

export type KeyLayout = ReturnType<typeof keyLayout>;
