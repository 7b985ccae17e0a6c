import type session from 'express-session';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { AuthorizationState, Verification } from '../domain/verification.js';

/** An event for the customer's backend, written in the same transaction as the change that causes it. */
export interface OutboxMessage {
  /** stable across retries: the Standard Webhooks `webhook-id`, so receivers can de-duplicate */
  id: string;
  applicationId: string;
  eventType: string;
  /** the JSON body exactly as it will be signed and sent */
  payload: string;
  createdAt: string;
}

export type DeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'failed';

export interface Delivery extends OutboxMessage {
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string;
  leaseUntil?: string;
  lastStatus?: number;
  lastError?: string;
  deliveredAt?: string;
}

export type DeliveryResult =
  | { ok: true; status: number }
  | { ok: false; status?: number; error: string; /** absent: no attempts left, the delivery is failed */ nextAttemptAt?: Date };

/** A change computed from the current record. Must be pure: a store may call it again after a race. */
export type VerificationChange = (current: Verification) => { next: Verification; outbox?: OutboxMessage[] } | undefined;

/**
 * The one storage contract. SQLite (embedded, one instance) and Redis (several instances) implement it;
 * test/store/contract.ts runs the same suite against both.
 *
 * Rules every implementation keeps:
 * - `updateVerification` is atomic: the change sees the latest record and its result (with its outbox
 *   messages) is written all together or not at all, even when instances race.
 * - `consumeAuthorizationState` returns a state once; a second call, on any instance, gets undefined.
 * - `claimDeliveries` hands a due delivery to one worker at a time (a lease); an expired lease makes it
 *   claimable again, so a worker that died mid-delivery does not lose it.
 * - Unavailability surfaces as StoreUnavailable, never as a crash.
 */
export interface Store {
  readonly kind: 'sqlite' | 'redis';

  createVerification(verification: Verification): Promise<void>;
  getVerification(id: string): Promise<Verification | undefined>;
  /** applies `change` atomically; returns the stored result, or undefined when the record is missing or change declined */
  updateVerification(id: string, change: VerificationChange): Promise<Verification | undefined>;
  /** newest first, for the sandbox developer page */
  listRecentVerifications(limit: number): Promise<Verification[]>;
  /** unfinished verifications whose expiresAt has passed (for the expiry sweeper) */
  listExpiredVerificationIds(now: Date, limit: number): Promise<string[]>;

  saveAuthorizationState(state: AuthorizationState): Promise<void>;
  consumeAuthorizationState(state: string): Promise<AuthorizationState | undefined>;

  /** small JSON records for the facades (tokens, channel keys, users), with an optional time to live */
  putRecord(namespace: string, key: string, value: unknown, ttlSeconds?: number): Promise<void>;
  getRecord<T>(namespace: string, key: string): Promise<T | undefined>;
  deleteRecord(namespace: string, key: string): Promise<void>;

  enqueue(messages: OutboxMessage[]): Promise<void>;
  claimDeliveries(now: Date, max: number, leaseMs: number): Promise<Delivery[]>;
  completeDelivery(id: string, result: DeliveryResult, now: Date): Promise<void>;
  listDeliveries(filter: { status?: DeliveryStatus; limit: number }): Promise<Delivery[]>;
  /** puts a delivery (delivered or failed) back in the queue, due now */
  replayDelivery(id: string, now: Date): Promise<Delivery | undefined>;
  countPendingDeliveries(): Promise<number>;
  /**
   * Deletes up to `limit` finished deliveries (delivered, or failed for good) that finished before
   * `finishedBefore` (WEBHOOK_RETENTION_HOURS ago); returns how many. Pending, delivering and replayed
   * deliveries stay. After this a delivery can no longer be listed or replayed.
   */
  purgeFinishedDeliveries(finishedBefore: Date, limit: number): Promise<number>;

  /** a rate limiter whose counters live in this store, so all instances share them */
  rateLimiter(options: { keyPrefix: string; points: number; duration: number }): RateLimiterAbstract;
  /** the express-session store */
  readonly sessions: session.Store;

  ping(): Promise<void>;
  close(): Promise<void>;
}
