import type { Redis } from 'ioredis';
import type { KeyLayout } from './keys.js';

/**
 * The Lua scripts that make multi-key changes atomic. Redis runs a script with nothing interleaved, so a
 * script is to this store what a transaction is to SQLite. No script spells a key: each gets the keys it
 * names in KEYS, and the prefix of the records it finds in an index as an argument, all from keys.ts.
 */

/** The outbox's shared keys, KEYS[b] to KEYS[b + 7] (outboxKeys below gives them in this order). */
const OUTBOX_KEYS_FN = `
local function outboxKeys(b)
  return { due = KEYS[b], all = KEYS[b + 1], done = KEYS[b + 2], seq = KEYS[b + 3],
    st = { pending = KEYS[b + 4], delivering = KEYS[b + 5], delivered = KEYS[b + 6], failed = KEYS[b + 7] } }
end
`;

/** Adds one outbox message (ARGV[base..base+5]) as a pending delivery at key k, unless it is already queued. */
const ENQUEUE_FN = `${OUTBOX_KEYS_FN}
local function enqueue(ob, k, now, base)
  if redis.call('EXISTS', k) == 1 then return end
  local id = ARGV[base]
  -- creation order: createdAt in ms, then a 3-digit sequence for messages created in the same millisecond
  local order = ARGV[base + 5] .. string.format('%03d', redis.call('INCR', ob.seq) % 1000)
  redis.call('HSET', k, 'id', id, 'applicationId', ARGV[base + 1], 'eventType', ARGV[base + 2], 'payload', ARGV[base + 3],
    'createdAt', ARGV[base + 4], 'status', 'pending', 'attempts', 0, 'nextAttemptAt', now, 'order', order)
  redis.call('ZADD', ob.due, now, id)
  redis.call('ZADD', ob.all, order, id)
  redis.call('ZADD', ob.st.pending, order, id)
end
`;

const MOVE_FN = `${OUTBOX_KEYS_FN}
local function move(ob, id, from, to, order)
  redis.call('ZREM', ob.st[from], id)
  redis.call('ZADD', ob.st[to], order, id)
end
`;

/** KEYS: outbox (8), a delivery key per message. ARGV: now (ms), count, then count × 6 message fields */
const ENQUEUE = `${ENQUEUE_FN}
local ob = outboxKeys(1)
local now, n = ARGV[1], tonumber(ARGV[2])
for i = 0, n - 1 do enqueue(ob, KEYS[9 + i], now, 3 + i * 6) end
return n
`;

/**
 * A start's one write: the verification (unless its id exists: then nothing is written and it returns 0),
 * its index entries, its outbox messages, its authorization state and its session.
 * KEYS: verification, recent, open, outbox (8), a delivery key per message, [state], [session].
 * ARGV: id, verification, ttl (ms), createdAt (ms), final ('1'/'0'), expiresAt (ms), recent kept, now (ms),
 * message count, has state ('1'/'0'), state, state ttl (ms), has session, session, session ttl (ms), messages…
 */
const CREATE_VERIFICATION = `${ENQUEUE_FN}
local id = ARGV[1]
if not redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3], 'NX') then return 0 end
redis.call('ZADD', KEYS[2], ARGV[4], id)
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -tonumber(ARGV[7]) - 1)
if ARGV[5] ~= '1' then redis.call('ZADD', KEYS[3], ARGV[6], id) end
local ob, n = outboxKeys(4), tonumber(ARGV[9])
for i = 0, n - 1 do enqueue(ob, KEYS[12 + i], ARGV[8], 16 + i * 6) end
local k = 12 + n
if ARGV[10] == '1' then
  redis.call('SET', KEYS[k], ARGV[11], 'PX', ARGV[12])
  k = k + 1
end
if ARGV[13] == '1' then redis.call('SET', KEYS[k], ARGV[14], 'PX', ARGV[15]) end
return 1
`;

/**
 * Compare-and-set of a verification: writes `next` only if the record is still `expected` (what the change
 * function saw), with its outbox messages. Returns 1 written, 0 changed meanwhile (the caller re-runs the
 * change), -1 missing.
 * KEYS: verification, open, outbox (8), a delivery key per message.
 * ARGV: id, expected, next, ttl (ms), final ('1'/'0'), expiresAt (ms), now (ms), count, messages…
 */
const UPDATE_VERIFICATION = `${ENQUEUE_FN}
local k, id = KEYS[1], ARGV[1]
local current = redis.call('GET', k)
if not current then
  redis.call('ZREM', KEYS[2], id)
  return -1
end
if current ~= ARGV[2] then return 0 end
redis.call('SET', k, ARGV[3], 'PX', ARGV[4])
if ARGV[5] == '1' then redis.call('ZREM', KEYS[2], id) else redis.call('ZADD', KEYS[2], ARGV[6], id) end
local ob, n = outboxKeys(3), tonumber(ARGV[8])
for i = 0, n - 1 do enqueue(ob, KEYS[11 + i], ARGV[7], 9 + i * 6) end
return 1
`;

/**
 * Unfinished verifications past their expiresAt; drops index entries whose record has gone.
 * KEYS: open. ARGV: verification key prefix, now, limit
 */
const EXPIRED_VERIFICATIONS = `
local limit = tonumber(ARGV[3])
local out = {}
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, limit * 2)
for _, id in ipairs(ids) do
  if redis.call('EXISTS', ARGV[1] .. id) == 1 then
    if #out < limit then out[#out + 1] = id end
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out
`;

/**
 * Leases up to \`max\` due deliveries (pending and due, or delivering with an expired lease) to the caller.
 * KEYS: outbox (8). ARGV: delivery key prefix, now (ms), max, lease (ms). Returns them as HGETALL arrays.
 */
const CLAIM = `${MOVE_FN}
local ob = outboxKeys(1)
local now, max, lease = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local leaseUntil = string.format('%d', now + lease)
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', ob.due, '-inf', ARGV[2], 'LIMIT', 0, max)) do
  local k = ARGV[1] .. id
  local status = redis.call('HGET', k, 'status')
  if not status then
    redis.call('ZREM', ob.due, id)
  else
    move(ob, id, status, 'delivering', redis.call('HGET', k, 'order'))
    redis.call('HSET', k, 'status', 'delivering', 'leaseUntil', leaseUntil)
    redis.call('HINCRBY', k, 'attempts', 1)
    redis.call('ZADD', ob.due, leaseUntil, id)
    out[#out + 1] = redis.call('HGETALL', k)
  end
end
return out
`;

/**
 * Records a delivery attempt's outcome. KEYS: outbox (8), the delivery. ARGV: id, outcome
 * (delivered|pending|failed), lastStatus ('' for none), lastError, nextAttemptAt (ms; now for a finished
 * delivery), now (ISO), time to live of a finished delivery (ms, a backstop: the purge deletes it after
 * WEBHOOK_RETENTION_HOURS).
 */
const COMPLETE = `${MOVE_FN}
local ob, k = outboxKeys(1), KEYS[9]
local id, outcome = ARGV[1], ARGV[2]
local status = redis.call('HGET', k, 'status')
if not status then return 0 end
redis.call('HDEL', k, 'leaseUntil')
if ARGV[3] == '' then redis.call('HDEL', k, 'lastStatus') else redis.call('HSET', k, 'lastStatus', ARGV[3]) end
if outcome == 'delivered' then
  redis.call('HDEL', k, 'lastError')
  redis.call('HSET', k, 'status', outcome, 'deliveredAt', ARGV[6])
else
  redis.call('HSET', k, 'status', outcome, 'lastError', ARGV[4], 'nextAttemptAt', ARGV[5])
end
move(ob, id, status, outcome, redis.call('HGET', k, 'order'))
if outcome == 'pending' then
  redis.call('ZADD', ob.due, ARGV[5], id)
  redis.call('ZREM', ob.done, id)
  redis.call('PERSIST', k)
else
  redis.call('ZREM', ob.due, id)
  -- a finished delivery's nextAttemptAt argument is the time of this last attempt: when it finished
  redis.call('ZADD', ob.done, ARGV[5], id)
  redis.call('PEXPIRE', k, ARGV[7])
end
return 1
`;

/** Puts a finished delivery back in the queue, due now. KEYS: outbox (8), the delivery. ARGV: id, now (ms). Returns it as HGETALL. */
const REPLAY = `${MOVE_FN}
local ob, k, id = outboxKeys(1), KEYS[9], ARGV[1]
local status = redis.call('HGET', k, 'status')
if not status then return nil end
if status == 'delivered' or status == 'failed' then
  move(ob, id, status, 'pending', redis.call('HGET', k, 'order'))
  redis.call('HSET', k, 'status', 'pending', 'nextAttemptAt', ARGV[2])
  redis.call('HDEL', k, 'leaseUntil')
  redis.call('PERSIST', k)
  redis.call('ZADD', ob.due, ARGV[2], id)
  redis.call('ZREM', ob.done, id)
end
return redis.call('HGETALL', k)
`;

/** Drops index entries (up to 500 per index) older than the cutoff whose delivery has expired. KEYS: outbox (8). ARGV: delivery key prefix, cutoff order */
const SWEEP_DELIVERIES = `${OUTBOX_KEYS_FN}
local ob = outboxKeys(1)
local removed = 0
for _, index in ipairs({ ob.all, ob.st.delivered, ob.st.failed }) do
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', ARGV[2], 'LIMIT', 0, 500)) do
    if redis.call('EXISTS', ARGV[1] .. id) == 0 then
      redis.call('ZREM', index, id)
      removed = removed + 1
    end
  end
end
return removed
`;

/**
 * Deletes up to \`limit\` finished deliveries that finished before the cutoff, with their index entries.
 * KEYS: outbox (8). ARGV: delivery key prefix, cutoff (ms, exclusive), limit. Returns how many it deleted.
 */
const PURGE_DELIVERIES = `${OUTBOX_KEYS_FN}
local ob = outboxKeys(1)
local removed = 0
for _, id in ipairs(redis.call('ZRANGEBYSCORE', ob.done, '-inf', '(' .. ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))) do
  local k = ARGV[1] .. id
  local status = redis.call('HGET', k, 'status')
  redis.call('ZREM', ob.done, id)
  if status == 'delivered' or status == 'failed' or not status then
    redis.call('DEL', k)
    redis.call('ZREM', ob.all, id)
    redis.call('ZREM', ob.st.delivered, id)
    redis.call('ZREM', ob.st.failed, id)
    if status then removed = removed + 1 end
  end
end
return removed
`;

/**
 * Adds to a counter; an absent (or expired) one starts with the time to live, a running one keeps its
 * expiry. KEYS: counter. ARGV: points, ttl (ms). Returns { value, ms before it resets }.
 */
const INCREMENT = `
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return { value, ttl }
`;

/**
 * An application's one write: the record, its id in the index of ids and its key ids in the key index; or,
 * when the id exists, nothing (returns 0). KEYS: application, ids, a key-index entry per key id.
 * ARGV: id, application JSON.
 */
const CREATE_APPLICATION = `
local id = ARGV[1]
if not redis.call('SET', KEYS[1], ARGV[2], 'NX') then return 0 end
redis.call('ZADD', KEYS[2], 0, id)
for i = 3, #KEYS do redis.call('SET', KEYS[i], id) end
return 1
`;

/**
 * Compare-and-set of an application: writes `next` only if the record is still `expected` (what the change
 * function saw), and moves the key index with it: the entries of key ids the result dropped go (unless they
 * already name another application), those of key ids it added point here. Returns 1 written, 0 changed
 * meanwhile (the caller re-runs the change), -1 missing.
 * KEYS: application, an entry per dropped key id, then one per added key id.
 * ARGV: id, expected, next, number of dropped key ids.
 */
const UPDATE_APPLICATION = `
local id = ARGV[1]
local current = redis.call('GET', KEYS[1])
if not current then return -1 end
if current ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[3])
local dropped = tonumber(ARGV[4])
for i = 2, dropped + 1 do
  if redis.call('GET', KEYS[i]) == id then redis.call('DEL', KEYS[i]) end
end
for i = dropped + 2, #KEYS do redis.call('SET', KEYS[i], id) end
return 1
`;

type Arg = string | number | Buffer;
type Script = (keys: string[], ...args: Arg[]) => Promise<unknown>;

/** Registers the scripts on a client (EVALSHA, loading the script again after a Redis restart). */
export function defineScripts(client: Redis) {
  const define = (name: string, lua: string): Script => {
    client.defineCommand(name, { lua });
    const command = (client as unknown as Record<string, (...args: Arg[]) => Promise<unknown>>)[name];
    return (keys, ...args) => command.apply(client, [keys.length, ...keys, ...args]);
  };
  return {
    enqueue: define('brokerEnqueue', ENQUEUE),
    createVerification: define('brokerCreateVerification', CREATE_VERIFICATION),
    updateVerification: define('brokerUpdateVerification', UPDATE_VERIFICATION),
    expiredVerifications: define('brokerExpiredVerifications', EXPIRED_VERIFICATIONS),
    claim: define('brokerClaim', CLAIM),
    complete: define('brokerComplete', COMPLETE),
    replay: define('brokerReplay', REPLAY),
    sweepDeliveries: define('brokerSweepDeliveries', SWEEP_DELIVERIES),
    purgeDeliveries: define('brokerPurgeDeliveries', PURGE_DELIVERIES),
    increment: define('brokerIncrement', INCREMENT),
    createApplication: define('brokerCreateApplication', CREATE_APPLICATION),
    updateApplication: define('brokerUpdateApplication', UPDATE_APPLICATION),
  };
}

export type Scripts = ReturnType<typeof defineScripts>;

/** The outbox's shared keys in the order OUTBOX_KEYS_FN reads them. */
export function outboxKeysOf(keys: KeyLayout): string[] {
  return [keys.deliveriesDue, keys.deliveriesAll, keys.deliveriesDone, keys.deliverySequence, ...keys.deliveriesByStatus];
}
