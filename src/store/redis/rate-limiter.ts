import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { StoreUnavailable } from '../../errors.js';

/**
 * RateLimiterRedis whose failures other than "limit reached" are StoreUnavailable, so a caller that turns a
 * RateLimiterRes rejection into 429 lets an outage reach the error handler as a 503. While the connection is
 * not ready it rejects at once instead of waiting (rejectIfRedisNotReady).
 */
export class RedisRateLimiter extends RateLimiterRedis {
  constructor(client: Redis, options: { keyPrefix: string; points: number; duration: number }) {
    super({ storeClient: client, rejectIfRedisNotReady: true, ...options });
  }

  /**
   * rate-limiter-flexible routes every failed operation through this (undeclared in its types) hook, where
   * an insurance limiter would take over; here an outage becomes StoreUnavailable instead.
   */
  _handleError(err: unknown, _funcName: string, _resolve: unknown, reject: (e: unknown) => void): void {
    reject(err instanceof RateLimiterRes ? err : new StoreUnavailable(err));
  }
}
