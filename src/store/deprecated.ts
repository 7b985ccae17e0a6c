import { z } from 'zod';
import type { AuthorizationState, Verification } from '../domain/verification.js';
import type { Delivery, DeliveryResult, DeliveryStatus, OutboxMessage, RecordKind, Store, VerificationChange } from './store.js';

/**
 * The flat methods of the Store before it was split by concern. They delegate to the new interfaces and
 * stay only until the call sites (flows, routes, facades, metrics) have moved; then this file goes.
 */
export interface DeprecatedFlatStore {
  /** @deprecated use `verifications.create` */
  createVerification(verification: Verification): Promise<void>;
  /** @deprecated use `verifications.get` */
  getVerification(id: string): Promise<Verification | undefined>;
  /** @deprecated use `verifications.update` */
  updateVerification(id: string, change: VerificationChange): Promise<Verification | undefined>;
  /** @deprecated use `verifications.listRecent` */
  listRecentVerifications(limit: number): Promise<Verification[]>;
  /** @deprecated use `verifications.listExpiredIds` */
  listExpiredVerificationIds(now: Date, limit: number): Promise<string[]>;
  /** @deprecated write the state with its verification: `verifications.create(v, { authorization })` */
  saveAuthorizationState(state: AuthorizationState): Promise<void>;
  /** @deprecated use `verifications.consumeAuthorization` */
  consumeAuthorizationState(state: string): Promise<AuthorizationState | undefined>;
  /** @deprecated use `records.put` with a RecordKind */
  putRecord(namespace: string, key: string, value: unknown, ttlSeconds?: number): Promise<void>;
  /** @deprecated use `records.get` with a RecordKind: what it reads is then parsed */
  getRecord<T>(namespace: string, key: string): Promise<T | undefined>;
  /** @deprecated use `records.delete` */
  deleteRecord(namespace: string, key: string): Promise<void>;
  /** @deprecated use `outbox.enqueue` */
  enqueue(messages: OutboxMessage[]): Promise<void>;
  /** @deprecated use `outbox.claim` */
  claimDeliveries(now: Date, max: number, leaseMs: number): Promise<Delivery[]>;
  /** @deprecated use `outbox.complete` */
  completeDelivery(id: string, result: DeliveryResult, now: Date): Promise<void>;
  /** @deprecated use `outbox.list` */
  listDeliveries(filter: { status?: DeliveryStatus; limit: number }): Promise<Delivery[]>;
  /** @deprecated use `outbox.replay` */
  replayDelivery(id: string, now: Date): Promise<Delivery | undefined>;
  /** @deprecated use `outbox.countPending` */
  countPendingDeliveries(): Promise<number>;
  /** @deprecated use `outbox.purgeFinished` */
  purgeFinishedDeliveries(finishedBefore: Date, limit: number): Promise<number>;
}

type SplitStore = Omit<Store, keyof DeprecatedFlatStore>;

/** an untyped kind for the old record methods: any JSON reads back as it was written */
const anyRecord = (namespace: string): RecordKind<unknown> => ({ namespace, schema: z.unknown() });

/** Adds the deprecated flat methods to a split store. */
export function withFlatMethods(store: SplitStore, saveAuthorizationState: (state: AuthorizationState) => Promise<void>): Store {
  const { verifications: v, outbox: o, records: r } = store;
  return Object.assign(store, {
    createVerification: (verification: Verification) => v.create(verification),
    getVerification: (id: string) => v.get(id),
    updateVerification: (id: string, change: VerificationChange) => v.update(id, change),
    listRecentVerifications: (limit: number) => v.listRecent(limit),
    listExpiredVerificationIds: (now: Date, limit: number) => v.listExpiredIds(now, limit),
    saveAuthorizationState,
    consumeAuthorizationState: (state: string) => v.consumeAuthorization(state),
    putRecord: (ns: string, key: string, value: unknown, ttlSeconds?: number) => r.put(anyRecord(ns), key, value, ttlSeconds),
    getRecord: <T>(ns: string, key: string) => r.get(anyRecord(ns), key) as Promise<T | undefined>,
    deleteRecord: (ns: string, key: string) => r.delete(anyRecord(ns), key),
    enqueue: (messages: OutboxMessage[]) => o.enqueue(messages),
    claimDeliveries: (now: Date, max: number, leaseMs: number) => o.claim(now, max, leaseMs),
    completeDelivery: (id: string, result: DeliveryResult, now: Date) => o.complete(id, result, now),
    listDeliveries: (filter: { status?: DeliveryStatus; limit: number }) => o.list(filter),
    replayDelivery: (id: string, now: Date) => o.replay(id, now),
    countPendingDeliveries: () => o.countPending(),
    purgeFinishedDeliveries: (finishedBefore: Date, limit: number) => o.purgeFinished(finishedBefore, limit),
  });
}
