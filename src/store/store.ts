import type { z } from 'zod';
import type { Application } from '../applications/application.js';
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

/** The browser session that ties a cookie to the verification's owner, as the session adapter stores it. */
export interface SessionBinding {
  /** express-session's session id */
  id: string;
  /** the session as src/http/session-store.ts encodes it */
  data: Buffer;
  ttlMs: number;
}

/** What a start writes together with its verification. */
export interface CreateAlso {
  /** the silent leg's state, nonce and PKCE verifier, consumed by the callback */
  authorization?: AuthorizationState;
  outbox?: OutboxMessage[];
  session?: SessionBinding;
}

/**
 * The one storage contract, split by concern. SQLite (embedded, one instance) and Redis (several instances)
 * implement it; test/store/contract.ts runs the same suite against both. Library adapters (express-session,
 * rate limits) live on top of it, in src/http/session-store.ts and src/otp/rate-limits.ts, not in it.
 *
 * Rules every implementation keeps:
 * - unavailability surfaces as StoreUnavailable (503), never as a crash; what a caller's own function
 *   throws (a change) reaches the caller unchanged;
 * - whatever one instance wrote, another instance on the same data reads.
 */
export interface Store {
  readonly kind: 'sqlite' | 'redis';
  readonly verifications: VerificationStore;
  readonly outbox: OutboxStore;
  /** sessions and rate-limit counters live here */
  readonly keyValue: KeyValueStore;
  /** typed facade records (WSO2 users, mPass channels and destinations, Cloud Softphone tokens) */
  readonly records: RecordStore;
  /** the applications made with `npm run apps` or the admin API, with their hashed keys */
  readonly applications: ApplicationStore;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Verifications and what is written with them.
 * - `create` is one durable write: the verification, its authorization state, its outbox messages and the
 *   session binding are all written or none is (one SQLite IMMEDIATE transaction, one Redis script). A
 *   verification whose id exists is refused (an Error) and nothing of the call is written.
 * - `update` is atomic: the change sees the latest record and its result (with its outbox messages) is
 *   written all together or not at all, even when instances race; a store may run the change again.
 * - `consumeAuthorization` returns a state once; a second call, on any instance, gets undefined; an expired
 *   state is never returned.
 */
export interface VerificationStore {
  create(verification: Verification, also?: CreateAlso): Promise<void>;
  get(id: string): Promise<Verification | undefined>;
  /** applies `change` atomically; returns the stored result, or undefined when the record is missing or the change declined */
  update(id: string, change: VerificationChange): Promise<Verification | undefined>;
  /** newest first, for the sandbox developer page */
  listRecent(limit: number): Promise<Verification[]>;
  /** unfinished verifications whose expiresAt has passed (for the expiry sweeper) */
  listExpiredIds(now: Date, limit: number): Promise<string[]>;
  consumeAuthorization(state: string): Promise<AuthorizationState | undefined>;
}

/**
 * The webhook outbox: a queue of deliveries whose claims are leases.
 * - `enqueue` of an id already queued does nothing (messages are idempotent by id);
 * - `claim` hands a due delivery to one worker at a time; an expired lease makes it claimable again, so a
 *   worker that died mid-delivery does not lose it;
 * - `purgeFinished` deletes up to `limit` finished deliveries (delivered, or failed for good) that finished
 *   before `finishedBefore` (WEBHOOK_RETENTION_HOURS ago) and returns how many; pending, delivering and
 *   replayed deliveries stay. After that a delivery can no longer be listed or replayed.
 */
export interface OutboxStore {
  enqueue(messages: OutboxMessage[]): Promise<void>;
  claim(now: Date, max: number, leaseMs: number): Promise<Delivery[]>;
  complete(id: string, result: DeliveryResult, now: Date): Promise<void>;
  /** newest first, optionally in one status */
  list(filter: { status?: DeliveryStatus; limit: number }): Promise<Delivery[]>;
  /** puts a delivery (delivered or failed) back in the queue, due now */
  replay(id: string, now: Date): Promise<Delivery | undefined>;
  countPending(): Promise<number>;
  purgeFinished(finishedBefore: Date, limit: number): Promise<number>;
}

/**
 * Short-lived bytes and counters: express-session's sessions and the rate-limit windows. Keys come from
 * `keyValueKeys` below, so each kind of entry has its own space.
 * - every entry has a time to live; an expired entry reads as absent;
 * - `set` replaces the value and its time to live;
 * - `increment` is atomic across instances: N concurrent increments of 1 leave N. A counter that is absent
 *   (or expired) starts at `points` with `ttlMs`; a running counter keeps its expiry (a fixed window).
 *   A counter is not read with `get`.
 */
export interface KeyValueStore {
  get(key: string): Promise<Buffer | undefined>;
  set(key: string, value: Buffer, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  increment(key: string, points: number, ttlMs: number): Promise<{ value: number; msBeforeReset: number }>;
}

/** The spaces of the key-value store (the Redis layout, src/store/redis/keys.ts, gives each its own keys). */
export const keyValueKeys = {
  session: (sessionId: string) => `s:${sessionId}`,
  rateLimit: (limit: string, key: string) => `rl:${limit}:${key}`,
};

/** A change to an application, computed from the current one. Must be pure: a store may call it again after a race. */
export type ApplicationChange = (current: Application) => Application | undefined;

/**
 * Applications and the index from their key ids to them.
 * - `create` of an id that exists is refused (an Error) and writes nothing;
 * - `update` is atomic like a verification's: the change sees the latest application, and its result is written
 *   whole or not at all, even when instances race; the key index follows the result's keys (a key id of the
 *   result finds it, a key id it dropped finds nothing);
 * - `findByKeyId` finds the application holding a key id (revoked keys too: the caller decides);
 * - what is read back is parsed with `applicationSchema`: a stored application that does not parse reads as
 *   absent (and is left out of `list`).
 */
export interface ApplicationStore {
  create(application: Application): Promise<void>;
  get(id: string): Promise<Application | undefined>;
  findByKeyId(keyId: string): Promise<Application | undefined>;
  /** every application, by id */
  list(): Promise<Application[]>;
  /** returns the stored result, or undefined when the application is missing or the change declined */
  update(id: string, change: ApplicationChange): Promise<Application | undefined>;
}

/** A kind of record: where it lives and what shape it has. */
export interface RecordKind<T> {
  namespace: string;
  schema: z.ZodType<T>;
}

/**
 * Small JSON records for the facades, with an optional time to live.
 * - `get` parses what it reads with the kind's schema: a record that does not parse (written by another
 *   version, or tampered with) reads as absent, and the store warns once per namespace;
 * - namespace and key are not confused when they contain separators.
 */
export interface RecordStore {
  get<T>(kind: RecordKind<T>, key: string): Promise<T | undefined>;
  put<T>(kind: RecordKind<T>, key: string, value: T, ttlSeconds?: number): Promise<void>;
  delete<T>(kind: RecordKind<T>, key: string): Promise<void>;
}
