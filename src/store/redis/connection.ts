import { Redis } from 'ioredis';
import { BrokerError, StoreUnavailable } from '../../errors.js';

export interface StoreLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** Replies that mean "Redis cannot serve this now" rather than "this command is wrong". */
const TRANSIENT_REPLY = /^(LOADING|READONLY|OOM|MASTERDOWN|BUSY|TRYAGAIN|CLUSTERDOWN|NOREPLICAS)\b/;

/**
 * The client's behaviour during an outage, chosen so a request fails fast instead of hanging:
 * - no offline queue: while disconnected a command fails at once (→ 503) instead of waiting for Redis;
 * - a command timeout: a Redis that accepts connections but does not answer (paused, partitioned) fails too;
 * - no resending of commands in flight when the connection drops: a write might already have been applied,
 *   and replaying it (an attempt counter, a claim) could apply it twice; the caller gets a 503 and retries;
 * - reconnecting forever with a capped backoff, so the instance recovers when Redis returns.
 */
export function connect(url: string, logger?: StoreLogger): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 2000,
    connectTimeout: 3000,
    // how long a disconnect waits for the socket to close (its timer outlives a socket that never connected)
    disconnectTimeout: 500,
    retryStrategy: (times) => Math.min(50 * 2 ** times, 2000),
    // after a failover the old primary answers READONLY: reconnect (DNS/Sentinel then finds the new one)
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
  });

  // Without a listener ioredis would print every failed reconnect; log the outage once and its end once.
  let down = false;
  client.on('error', (err: Error) => {
    if (down) return;
    down = true;
    logger?.warn({ redis: describe(url), err: err.message }, 'redis unavailable; answering 503 until it returns');
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger?.info({ redis: describe(url) }, 'redis available again');
  });
  return client;
}

/** Waits for the first connection; a broker that cannot reach its store at start says so and stops. */
export async function waitUntilReady(client: Redis, url: string): Promise<void> {
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw new Error(`Cannot reach Redis at ${describe(url)} (REDIS_URL): ${(err as Error).message}`);
  }
}

/** The URL without credentials, for logs and messages. */
export function describe(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return 'redis';
  }
}

/** Our own errors and programming errors (a bad JSON record, a wrong command) are not an outage. */
export function isUnavailability(err: unknown): boolean {
  if (!(err instanceof Error) || err instanceof BrokerError) return false;
  if (err instanceof TypeError || err instanceof SyntaxError || err instanceof RangeError || err instanceof ReferenceError) return false;
  if (err.name === 'ReplyError') return TRANSIENT_REPLY.test(err.message);
  // connection closed, "Stream isn't writeable", "Command timed out", MaxRetriesPerRequestError, ECONNREFUSED…
  return true;
}

/** Runs Redis work, turning an outage into StoreUnavailable; anything else (a bug) passes through. */
export async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw isUnavailability(err) ? new StoreUnavailable(err) : err;
  }
}
