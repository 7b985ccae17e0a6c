import type { Config } from '../config/index.js';
import { TooManyRequests } from '../errors.js';
import { RateLimit } from '../otp/rate-limits.js';
import type { Store } from '../store/store.js';
import { clientNetworkOf } from './client-network.js';

export interface StartRequest {
  /** the client's address; absent for starts no client asked for directly (then per number only) */
  clientIp?: string;
  /** E.164 */
  phoneNumber: string;
  /** an application's backend started it: its `startsPerMinute` applies too */
  application?: { id: string; limits: { startsPerMinute: number } };
}

/**
 * Limits on starting verifications, checked before anything else a start does. Rules:
 * - starts per client network (the IP, or its /64 for IPv6: client-network.ts) and per phone number stay
 *   within START_LIMIT_PER_IP and START_LIMIT_PER_NUMBER → else 429 TOO_MANY_REQUESTS with Retry-After;
 * - a refused start counts against nothing: points already taken are given back, so a flood aimed at one
 *   number from many addresses does not also use up those addresses' allowance;
 * - counters live in the store (otp/rate-limits.ts), shared by every broker instance; a store outage
 *   is a 503, never a free pass.
 * - a start made with an application's key also counts against that application's `startsPerMinute`, and the
 *   per-network limit applies to the end user's address the backend passed (`clientIp`), never to the backend's;
 * The SMS limits (otp/sms-limits.ts) apply on top, to the sends. Built once, at start (build-deps.ts).
 */
export class StartLimits {
  private readonly perIp: RateLimit;
  private readonly perNumber: RateLimit;
  /** one limiter per distinct `startsPerMinute` (the library fixes points per limiter), made on first use */
  private readonly perApplication = new Map<number, RateLimit>();

  constructor(
    private readonly store: Store,
    limits: Readonly<Config['startLimits']>,
  ) {
    this.perIp = new RateLimit(store.keyValue, { name: 'start-ip', ...limits.perIp });
    this.perNumber = new RateLimit(store.keyValue, { name: 'start-number', ...limits.perNumber });
  }

  private applicationLimit(points: number): RateLimit {
    let limit = this.perApplication.get(points);
    if (!limit) this.perApplication.set(points, (limit = new RateLimit(this.store.keyValue, { name: 'start-app', points, duration: 60 })));
    return limit;
  }

  async check(request: StartRequest): Promise<void> {
    const { application } = request;
    const counters: Array<[RateLimit, string, string]> = [
      ...(application
        ? [[this.applicationLimit(application.limits.startsPerMinute), application.id, 'This application started too many verifications; try again later.'] as [RateLimit, string, string]]
        : []),
      ...(request.clientIp !== undefined
        ? [[this.perIp, clientNetworkOf(request.clientIp), 'Too many verifications were started from this network; try again later.'] as [RateLimit, string, string]]
        : []),
      [this.perNumber, request.phoneNumber, 'Too many verifications were started for this number; try again later.'],
    ];
    const taken: Array<[RateLimit, string]> = [];
    for (const [limit, key, message] of counters) {
      let consumed;
      try {
        consumed = await limit.consume(key);
      } catch (err) {
        await Promise.all(taken.map(([l, k]) => l.refund(k).catch(() => undefined)));
        throw err;
      }
      if (!consumed.allowed) {
        await Promise.all(taken.map(([l, k]) => l.refund(k).catch(() => undefined)));
        throw new TooManyRequests(message, consumed.msBeforeNext / 1000);
      }
      taken.push([limit, key]);
    }
  }
}

/** Checks the start limits of `deps` (see StartLimits). */
