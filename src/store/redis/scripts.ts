import type { Redis } from 'ioredis';

/**
 * The Lua scripts that make multi-key changes atomic. Redis runs a script with nothing interleaved, so a
 * script is to this store what a transaction is to SQLite. Every script takes the key prefix as ARGV[1].
 */

/** Adds one outbox message (ARGV[base..base+5]) as a pending delivery, unless its id is already queued. */
const ENQUEUE_FN = `
local function enqueue(p, now, base)
  local id = ARGV[base]
  local k = p .. 'ob:d:' .. id
  if redis.call('EXISTS', k) == 1 then return end
  -- creation order: createdAt in ms, then a 3-digit sequence for messages created in the same millisecond
  local order = ARGV[base + 5] .. string.format('%03d', redis.call('INCR', p .. 'ob:seq') % 1000)
  redis.call('HSET', k, 'id', id, 'applicationId', ARGV[base + 1], 'eventType', ARGV[base + 2], 'payload', ARGV[base + 3],
    'createdAt', ARGV[base + 4], 'status', 'pending', 'attempts', 0, 'nextAttemptAt', now, 'order', order)
  redis.call('ZADD', p .. 'ob:due', now, id)
  redis.call('ZADD', p .. 'ob:all', order, id)
  redis.call('ZADD', p .. 'ob:st:pending', order, id)
end
`;

const MOVE_FN = `
local function move(p, id, from, to, order)
  redis.call('ZREM', p .. 'ob:st:' .. from, id)
  redis.call('ZADD', p .. 'ob:st:' .. to, order, id)
end
`;

/** ARGV: prefix, now (ms), count, then count × 6 message fields */
const ENQUEUE = `${ENQUEUE_FN}
local p, now, n = ARGV[1], ARGV[2], tonumber(ARGV[3])
for i = 0, n - 1 do enqueue(p, now, 4 + i * 6) end
return n
`;

/**
 * Compare-and-set of a verification: writes `next` only if the record is still `expected` (what the change
 * function saw), with its outbox messages. Returns 1 written, 0 changed meanwhile (the caller re-runs the
 * change), -1 missing.
 * ARGV: prefix, id, expected, next, ttl (ms), final ('1'/'0'), expiresAt (ms), now (ms), count, messages…
 */
const UPDATE_VERIFICATION = `${ENQUEUE_FN}
local p, id = ARGV[1], ARGV[2]
local k = p .. 'v:' .. id
local current = redis.call('GET', k)
if not current then
  redis.call('ZREM', p .. 'v:open', id)
  return -1
end
if current ~= ARGV[3] then return 0 end
redis.call('SET', k, ARGV[4], 'PX', ARGV[5])
if ARGV[6] == '1' then redis.call('ZREM', p .. 'v:open', id) else redis.call('ZADD', p .. 'v:open', ARGV[7], id) end
local n = tonumber(ARGV[9])
for i = 0, n - 1 do enqueue(p, ARGV[8], 10 + i * 6) end
return 1
`;

/** Unfinished verifications past their expiresAt; drops index entries whose record has gone. ARGV: prefix, now, limit */
const EXPIRED_VERIFICATIONS = `
local p, now, limit = ARGV[1], ARGV[2], tonumber(ARGV[3])
local out = {}
local ids = redis.call('ZRANGEBYSCORE', p .. 'v:open', '-inf', now, 'LIMIT', 0, limit * 2)
for _, id in ipairs(ids) do
  if redis.call('EXISTS', p .. 'v:' .. id) == 1 then
    if #out < limit then out[#out + 1] = id end
  else
    redis.call('ZREM', p .. 'v:open', id)
  end
end
return out
`;

/**
 * Leases up to \`max\` due deliveries (pending and due, or delivering with an expired lease) to the caller.
 * ARGV: prefix, now (ms), max, lease (ms). Returns the leased deliveries as HGETALL arrays.
 */
const CLAIM = `${MOVE_FN}
local p, now, max, lease = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local leaseUntil = string.format('%d', now + lease)
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. 'ob:due', '-inf', ARGV[2], 'LIMIT', 0, max)) do
  local k = p .. 'ob:d:' .. id
  local status = redis.call('HGET', k, 'status')
  if not status then
    redis.call('ZREM', p .. 'ob:due', id)
  else
    move(p, id, status, 'delivering', redis.call('HGET', k, 'order'))
    redis.call('HSET', k, 'status', 'delivering', 'leaseUntil', leaseUntil)
    redis.call('HINCRBY', k, 'attempts', 1)
    redis.call('ZADD', p .. 'ob:due', leaseUntil, id)
    out[#out + 1] = redis.call('HGETALL', k)
  end
end
return out
`;

/**
 * Records a delivery attempt's outcome. ARGV: prefix, id, outcome (delivered|pending|failed), lastStatus
 * ('' for none), lastError, nextAttemptAt (ms; now for a finished delivery), now (ISO), time to live of a
 * finished delivery (ms, a backstop: the purge deletes it after WEBHOOK_RETENTION_HOURS).
 */
const COMPLETE = `${MOVE_FN}
local p, id, outcome = ARGV[1], ARGV[2], ARGV[3]
local k = p .. 'ob:d:' .. id
local status = redis.call('HGET', k, 'status')
if not status then return 0 end
redis.call('HDEL', k, 'leaseUntil')
if ARGV[4] == '' then redis.call('HDEL', k, 'lastStatus') else redis.call('HSET', k, 'lastStatus', ARGV[4]) end
if outcome == 'delivered' then
  redis.call('HDEL', k, 'lastError')
  redis.call('HSET', k, 'status', outcome, 'deliveredAt', ARGV[7])
else
  redis.call('HSET', k, 'status', outcome, 'lastError', ARGV[5], 'nextAttemptAt', ARGV[6])
end
move(p, id, status, outcome, redis.call('HGET', k, 'order'))
if outcome == 'pending' then
  redis.call('ZADD', p .. 'ob:due', ARGV[6], id)
  redis.call('ZREM', p .. 'ob:done', id)
  redis.call('PERSIST', k)
else
  redis.call('ZREM', p .. 'ob:due', id)
  -- a finished delivery's nextAttemptAt argument is the time of this last attempt: when it finished
  redis.call('ZADD', p .. 'ob:done', ARGV[6], id)
  redis.call('PEXPIRE', k, ARGV[8])
end
return 1
`;

/** Puts a finished delivery back in the queue, due now. ARGV: prefix, id, now (ms). Returns it as HGETALL. */
const REPLAY = `${MOVE_FN}
local p, id = ARGV[1], ARGV[2]
local k = p .. 'ob:d:' .. id
local status = redis.call('HGET', k, 'status')
if not status then return nil end
if status == 'delivered' or status == 'failed' then
  move(p, id, status, 'pending', redis.call('HGET', k, 'order'))
  redis.call('HSET', k, 'status', 'pending', 'nextAttemptAt', ARGV[3])
  redis.call('HDEL', k, 'leaseUntil')
  redis.call('PERSIST', k)
  redis.call('ZADD', p .. 'ob:due', ARGV[3], id)
  redis.call('ZREM', p .. 'ob:done', id)
end
return redis.call('HGETALL', k)
`;

/** Drops index entries (up to 500 per index) older than the cutoff whose delivery has expired. ARGV: prefix, cutoff order */
const SWEEP_DELIVERIES = `
local p = ARGV[1]
local removed = 0
for _, index in ipairs({ p .. 'ob:all', p .. 'ob:st:delivered', p .. 'ob:st:failed' }) do
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', ARGV[2], 'LIMIT', 0, 500)) do
    if redis.call('EXISTS', p .. 'ob:d:' .. id) == 0 then
      redis.call('ZREM', index, id)
      removed = removed + 1
    end
  end
end
return removed
`;

/**
 * Deletes up to \`limit\` finished deliveries that finished before the cutoff, with their index entries.
 * ARGV: prefix, cutoff (ms, exclusive), limit. Returns how many deliveries it deleted.
 */
const PURGE_DELIVERIES = `
local p, limit = ARGV[1], tonumber(ARGV[3])
local removed = 0
for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. 'ob:done', '-inf', '(' .. ARGV[2], 'LIMIT', 0, limit)) do
  local k = p .. 'ob:d:' .. id
  local status = redis.call('HGET', k, 'status')
  redis.call('ZREM', p .. 'ob:done', id)
  if status == 'delivered' or status == 'failed' or not status then
    redis.call('DEL', k)
    redis.call('ZREM', p .. 'ob:all', id)
    redis.call('ZREM', p .. 'ob:st:delivered', id)
    redis.call('ZREM', p .. 'ob:st:failed', id)
    if status then removed = removed + 1 end
  end
end
return removed
`;

type Script = (...args: (string | number | Buffer)[]) => Promise<unknown>;

/** Registers the scripts on a client (EVALSHA, loading the script again after a Redis restart). */
export function defineScripts(client: Redis) {
  const define = (name: string, lua: string): Script => {
    client.defineCommand(name, { numberOfKeys: 0, lua });
    const command = (client as unknown as Record<string, Script>)[name];
    return (...args) => command.apply(client, args);
  };
  return {
    enqueue: define('brokerEnqueue', ENQUEUE),
    updateVerification: define('brokerUpdateVerification', UPDATE_VERIFICATION),
    expiredVerifications: define('brokerExpiredVerifications', EXPIRED_VERIFICATIONS),
    claim: define('brokerClaim', CLAIM),
    complete: define('brokerComplete', COMPLETE),
    replay: define('brokerReplay', REPLAY),
    sweepDeliveries: define('brokerSweepDeliveries', SWEEP_DELIVERIES),
    purgeDeliveries: define('brokerPurgeDeliveries', PURGE_DELIVERIES),
  };
}

export type Scripts = ReturnType<typeof defineScripts>;
