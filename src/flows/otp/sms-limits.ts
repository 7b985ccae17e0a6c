import type { Config } from '../../config/index.js';
import { DestinationBlocked, SmsBudgetExhausted, TooManyRequests, type BrokerError } from '../../errors.js';
import type { RateLimitReason } from '../../metrics/index.js';
import { RateLimit } from '../../otp/rate-limits.js';
import { regionOf } from '../../phone.js';
import type { Store } from '../../store/store.js';
import { clientNetworkOf } from '../client-network.js';

export interface CountryLists {
  countriesAllow: readonly string[];
  countriesDeny: readonly string[];
}

/** Whether SMS may go to the number's country: listed in `countriesAllow` (when it lists any), not in `countriesDeny`. */
export function isDestinationAllowed(phoneNumber: string, { countriesAllow, countriesDeny }: CountryLists): boolean {
  const region = regionOf(phoneNumber);
  const allowed = countriesAllow.length === 0 || (region !== undefined && countriesAllow.includes(region));
  return allowed && !(region !== undefined && countriesDeny.includes(region));
}

/** What a stored application adds to the limits of its sends. */
export interface SendingApplication {
  id: string;
  countries: { allow: readonly string[]; deny: readonly string[] };
  limits: { smsPerDay: number };
}

type Counter = [RateLimit, string, (retryAfterSeconds: number) => BrokerError, RateLimitReason];

/**
 * Protection against SMS fraud (toll fraud / SMS pumping) and abuse. Rules, checked before any SMS leaves:
 * - the destination's region (libphonenumber-js) must be allowed and not denied → else DESTINATION_BLOCKED;
 * - sends per destination number, per client IP (per /64 for IPv6: ../client-network.ts) and per number prefix stay within their windows → else 429
 *   TOO_MANY_REQUESTS with Retry-After;
 * - the broker-wide budget of sends per 24 hours is not spent → else SMS_BUDGET_EXHAUSTED (and an error log);
 * - for a verification of a stored application (issue 14): its own country lists apply on top of the broker's
 *   (both must allow), and so does its own budget of sends per 24 hours (`limits.smsPerDay`, SMS_BUDGET_EXHAUSTED);
 * - a send that is refused, or that no provider could deliver, is not counted: points already taken are
 *   given back, so a provider outage does not lock users out.
 * Counters live in the store (../../otp/rate-limits.ts), so every broker instance shares them. Built once, at start.
 */
export class SmsLimits {
  private readonly perNumber: RateLimit;
  private readonly perIp: RateLimit;
  private readonly perPrefix: RateLimit;
  private readonly budget: RateLimit;
  /** one limiter per distinct application budget (the library fixes points per limiter), made on first use */
  private readonly applicationBudgets = new Map<number, RateLimit>();

  constructor(
    private readonly store: Store,
    private readonly limits: Readonly<Config['smsLimits']>,
    /** told of every refusal (metrics) */
    private readonly onRefused: (reason: RateLimitReason) => void = () => {},
  ) {
    this.perNumber = new RateLimit(store.keyValue, { name: 'sms-number', ...limits.perNumber });
    this.perIp = new RateLimit(store.keyValue, { name: 'sms-ip', ...limits.perIp });
    this.perPrefix = new RateLimit(store.keyValue, { name: 'sms-prefix', ...limits.perPrefix });
    this.budget = new RateLimit(store.keyValue, { name: 'sms-budget', points: limits.dailyBudget, duration: 24 * 3600 });
  }

  private applicationBudget(points: number): RateLimit {
    let limit = this.applicationBudgets.get(points);
    if (!limit) this.applicationBudgets.set(points, (limit = new RateLimit(this.store.keyValue, { name: 'sms-app-budget', points, duration: 24 * 3600 })));
    return limit;
  }

  /** Takes one send from every counter, or none; returns how to give them back if the send then fails. */
  async reserve(phoneNumber: string, clientIp: string | undefined, application?: SendingApplication): Promise<{ release(): Promise<void> }> {
    this.checkDestination(phoneNumber, this.limits);
    if (application) this.checkDestination(phoneNumber, { countriesAllow: application.countries.allow, countriesDeny: application.countries.deny });
    const prefix = phoneNumber.slice(0, 1 + this.limits.prefixDigits);
    const counters: Counter[] = [
      [this.perNumber, phoneNumber, (s) => new TooManyRequests('Too many codes were sent to this number; try again later.', s), 'per_number'],
      ...(clientIp === undefined
        ? []
        : [[this.perIp, clientNetworkOf(clientIp), (s: number) => new TooManyRequests('Too many codes were requested from this network; try again later.', s), 'per_ip'] as Counter]),
      [this.perPrefix, prefix, (s) => new TooManyRequests('Too many codes were sent to numbers like this one; try again later.', s), 'per_prefix'],
      [this.budget, 'all', (s) => new SmsBudgetExhausted(s), 'daily_budget'],
      ...(application
        ? [[this.applicationBudget(application.limits.smsPerDay), application.id, (s: number) => new SmsBudgetExhausted(s), 'application_budget'] as Counter]
        : []),
    ];
    const taken: Array<[RateLimit, string]> = [];
    const release = async () => {
      await Promise.all(taken.map(([limit, key]) => limit.refund(key).catch(() => undefined)));
    };
    for (const [limit, key, refusal, reason] of counters) {
      let consumed;
      try {
        consumed = await limit.consume(key);
      } catch (err) {
        await release();
        throw err;
      }
      if (!consumed.allowed) {
        await release();
        this.onRefused(reason);
        throw refusal(consumed.msBeforeNext / 1000);
      }
      taken.push([limit, key]);
    }
    return { release };
  }

  private checkDestination(phoneNumber: string, lists: CountryLists): void {
    if (!isDestinationAllowed(phoneNumber, lists)) {
      this.onRefused('destination_blocked');
      throw new DestinationBlocked();
    }
  }
}
