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
 * A fixed-window rate limit whose counters live in the store's key-value space, so every broker instance
 * shares them (the SMS limits, otp/…/sms-limits.ts, and the start limits, flows/start-limits.ts). Rules:
 * - a key's window opens with its first consumption and lasts `duration`; up to `points` pass in it;
 * - consuming is one atomic increment, so concurrent consumptions never let more than `points` through;
 *   a refused consumption counts too (as rate-limiter-flexible's did), which only matters within a full window;
 * - `refund` gives points back (a send that failed, a start refused by another limit);
 * - a store outage is StoreUnavailable (503), never a free pass.
 * Why not rate-limiter-flexible on top of the store: its limiters each own a storage client and carry its
 * types into the Store; what the broker uses of it (consume, reward, msBeforeNext) is this one increment.
 * Counters keep rate-limiter-flexible's keys and values (`rl:{name}:{key}`, an integer), so running windows
 * survive the change.
 */
export class RateLimit {
  private readonly windowMs: number;

  constructor(
    private readonly keyValue: KeyValueStore,
    private readonly options: RateLimitOptions,
  ) {
    this.windowMs = options.duration * 1000;
  }

  async consume(key: string, points = 1): Promise<Consumed> {
    const { value, msBeforeReset } = await this.keyValue.increment(this.keyOf(key), points, this.windowMs);
    const allowed = value <= this.options.points;
    return { allowed, remainingPoints: allowed ? this.options.points - value : 0, msBeforeNext: msBeforeReset };
  }

  async refund(key: string, points = 1): Promise<void> {
    await this.keyValue.increment(this.keyOf(key), -points, this.windowMs);
  }

  private keyOf(key: string): string {
    return keyValueKeys.rateLimit(this.options.name, key);
  }
}
