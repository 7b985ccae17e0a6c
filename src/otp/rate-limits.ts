import { RateLimiterRes } from 'rate-limiter-flexible';
import RateLimiterStoreAbstract from 'rate-limiter-flexible/lib/RateLimiterStoreAbstract.js';
import { keyValueKeys, type KeyValueStore } from '../store/store.js';

export interface RateLimitOptions {
  /** names the counters (their key space), e.g. `sms-number` */
  name: string;
  /** how many points a key may take per window */
  points: number;
  /** the window, in seconds */
  duration: number;
}

export interface Consumed {
  allowed: boolean;
  /** points left in this window (0 when refused) */
  remainingPoints: number;
  /** until the window resets: Retry-After for a refusal */
  msBeforeNext: number;
}

/**
 * A fixed-window rate limit: rate-limiter-flexible over the store's key-value space, so every broker instance
 * shares the counters (the SMS limits, flows/otp/sms-limits.ts, and the start limits, flows/start-limits.ts).
 * Rules:
 * - a key's window opens with its first consumption and lasts `duration`; up to `points` pass in it;
 * - consuming is one atomic increment in the store (KeyValueStore.increment: one upsert on SQLite, one script on
 *   Redis), so concurrent consumptions never let more than `points` through; a refused one counts too;
 * - `refund` gives points back (a send that failed, a start refused by another limit);
 * - a store outage is StoreUnavailable (503), never a free pass.
 * Counters are `rl:{name}:{key}` integers, the keys and values the limits had before the store was split, so
 * running windows survive an upgrade. Built once at start, not per request.
 */
export class RateLimit {
  private readonly limiter: RateLimiterKeyValue;

  constructor(keyValue: KeyValueStore, options: RateLimitOptions) {
    this.limiter = new RateLimiterKeyValue(keyValue, options);
  }

  async consume(key: string, points = 1): Promise<Consumed> {
    try {
      const res = await this.limiter.consume(key, points);
      return { allowed: true, remainingPoints: res.remainingPoints, msBeforeNext: res.msBeforeNext };
    } catch (refused) {
      if (!(refused instanceof RateLimiterRes)) throw refused;
      return { allowed: false, remainingPoints: 0, msBeforeNext: refused.msBeforeNext };
    }
  }

  async refund(key: string, points = 1): Promise<void> {
    await this.limiter.reward(key, points);
  }
}

/**
 * rate-limiter-flexible's store contract (`_upsert`, `_get`, `_delete`, `_getRateLimiterRes`) over the
 * KeyValueStore: the library keeps the limiting rules (points, windows, rewards), the store only counts.
 * @see rate-limiter-flexible's RateLimiterStoreAbstract (the base of its Redis, SQLite, … limiters)
 */
class RateLimiterKeyValue extends RateLimiterStoreAbstract {
  constructor(
    private readonly keyValue: KeyValueStore,
    options: RateLimitOptions,
  ) {
    super({ storeClient: keyValue, points: options.points, duration: options.duration, keyPrefix: options.name });
  }

  /** the counter's key: `rl:{name}:{key}` (keyValueKeys), whatever the library's own prefixing */
  override getKey(key: string | number): string {
    return keyValueKeys.rateLimit(this.keyPrefix, String(key));
  }

  _upsert(rlKey: string, points: number, msDuration: number): Promise<{ value: number; msBeforeReset: number }> {
    return this.keyValue.increment(rlKey, points, msDuration);
  }

  async _get(rlKey: string): Promise<{ value: number; msBeforeReset: number } | null> {
    // only `get()` of the library reads without counting; an increment of 0 reads the counter and its window
    const counted = await this.keyValue.increment(rlKey, 0, this.duration * 1000);
    return counted.value === 0 ? null : counted;
  }

  async _delete(rlKey: string): Promise<boolean> {
    await this.keyValue.delete(rlKey);
    return true;
  }

  _getRateLimiterRes(_rlKey: string, changedPoints: number, result: { value: number; msBeforeReset: number }): RateLimiterRes {
    const consumed = Number(result.value);
    return new RateLimiterRes(Math.max(this.points - consumed, 0), result.msBeforeReset, consumed, consumed === changedPoints);
  }
}
