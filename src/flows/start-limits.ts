import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { BrokerDeps } from '../deps.js';
import { TooManyRequests } from '../errors.js';
import { clientNetworkOf } from './client-network.js';

export interface StartRequest {
  /** the client's address; absent for starts no client asked for directly (then per number only) */
  clientIp?: string;
  /** E.164 */
  phoneNumber: string;
}

/**
 * Limits on starting verifications, checked before anything else a start does. Rules:
 * - starts per client network (the IP, or its /64 for IPv6: client-network.ts) and per phone number stay
 *   within START_LIMIT_PER_IP and START_LIMIT_PER_NUMBER → else 429 TOO_MANY_REQUESTS with Retry-After;
 * - a refused start counts against nothing: points already taken are given back, so a flood aimed at one
 *   number from many addresses does not also use up those addresses' allowance;
 * - counters live in the store (rate-limiter-flexible), shared by every broker instance; a store outage
 *   is a 503, never a free pass.
 * The SMS limits (otp/sms-limits.ts) apply on top, to the sends.
 */
export async function checkStartLimits(deps: Pick<BrokerDeps, 'config' | 'store'>, request: StartRequest): Promise<void> {
  const { perIp, perNumber } = deps.config.startLimits;
  const counters: Array<[RateLimiterAbstract, string, string]> = [
    ...(request.clientIp !== undefined
      ? [[deps.store.rateLimiter({ keyPrefix: 'start-ip', ...perIp }), clientNetworkOf(request.clientIp), 'Too many verifications were started from this network; try again later.'] as [RateLimiterAbstract, string, string]]
      : []),
    [deps.store.rateLimiter({ keyPrefix: 'start-number', ...perNumber }), request.phoneNumber, 'Too many verifications were started for this number; try again later.'],
  ];
  const taken: Array<[RateLimiterAbstract, string]> = [];
  for (const [limiter, key, message] of counters) {
    try {
      await limiter.consume(key, 1);
      taken.push([limiter, key]);
    } catch (res) {
      await Promise.all(taken.map(([l, k]) => l.reward(k, 1).catch(() => undefined)));
      if (res instanceof Error) throw res;
      throw new TooManyRequests(message, ((res as { msBeforeNext?: number }).msBeforeNext ?? 1000) / 1000);
    }
  }
}
