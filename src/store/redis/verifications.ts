import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { isFinal, type Verification } from '../../domain/verification.js';
import { StoreUnavailable } from '../../errors.js';
import { keyValueKeys, type CreateAlso, type OutboxMessage, type VerificationChange, type VerificationStore } from '../store.js';
import { packAuthorizationState, packVerification, unpackAuthorizationState, unpackVerification } from './compact.js';
import { guard } from './connection.js';
import type { KeyLayout } from './keys.js';
import { messageArgs } from './outbox.js';
import { outboxKeysOf, type Scripts } from './scripts.js';

/** how long verifications stay readable after they expire (as in the SQLite store), then Redis drops them */
const RETENTION_MS = 24 * 3600 * 1000;
/** how many verification ids the "recent" index keeps: the developer page shows 50; 100 stay in a compact listpack */
const RECENT_KEPT = 100;
/** optimistic update: tries before giving up on a record that keeps changing under us */
const UPDATE_TRIES = 50;

/**
 * Verifications in Redis. A create is one script (one round trip): the record, its index entries, outbox
 * messages, authorization state and session, or nothing when the id exists.
 *
 * An update is optimistic: read the record, run the (pure) change, then a Lua compare-and-set writes the
 * result and its outbox messages only if the record is still what the change saw, else it runs again on the
 * fresh record. (WATCH/MULTI would need a connection per concurrent update; a script needs none.)
 */
export function createRedisVerifications(client: Redis, keys: KeyLayout, scripts: Scripts): VerificationStore {
  const outboxKeys = outboxKeysOf(keys);

  const update = async (id: string, change: VerificationChange) => {
    for (let attempt = 1; attempt <= UPDATE_TRIES; attempt++) {
      const current = await guard(() => client.getBuffer(keys.verification(id)));
      if (current === null) return undefined;
      // outside guard: what the change throws is the caller's business, not an outage
      const result = change(unpackVerification(id, current));
      if (!result) return undefined;
      const { next } = result;
      const messages: OutboxMessage[] = result.outbox ?? [];
      const written = await guard(() =>
        scripts.updateVerification(
          [keys.verification(id), keys.openVerifications, ...outboxKeys, ...messages.map((m) => keys.delivery(m.id))],
          id, current, packVerification(next), ttlOf(next), isFinal(next.status) ? '1' : '0', Date.parse(next.expiresAt),
          Date.now(), messages.length, ...messageArgs(messages),
        ),
      );
      if (written === 1) return next;
      if (written === -1) return undefined;
      // another instance wrote first; spread the retries of many racers a little
      if (attempt > 2) await sleep(Math.random() * 5 * attempt);
    }
    throw new StoreUnavailable(new Error(`verification ${id} kept changing during ${UPDATE_TRIES} update attempts`));
  };

  return {
    create: async (v: Verification, also: CreateAlso = {}) => {
      const created = await guard(async () => {
        const messages = also.outbox ?? [];
        const state = also.authorization;
        const stateTtl = state ? Date.parse(state.expiresAt) - Date.now() : 0;
        // an already expired state could never be consumed: nothing to keep
        const keepState = state !== undefined && stateTtl > 0;
        const { session } = also;
        return scripts.createVerification(
          [
            keys.verification(v.id), keys.recentVerifications, keys.openVerifications, ...outboxKeys,
            ...messages.map((m) => keys.delivery(m.id)),
            ...(keepState ? [keys.authorizationState(state.state)] : []),
            ...(session ? [keys.keyValue(keyValueKeys.session(session.id))] : []),
          ],
          v.id, packVerification(v), ttlOf(v), Date.parse(v.createdAt), isFinal(v.status) ? '1' : '0', Date.parse(v.expiresAt), RECENT_KEPT,
          Date.now(), messages.length,
          keepState ? '1' : '0', keepState ? packAuthorizationState(state) : '', Math.max(1, stateTtl),
          session ? '1' : '0', session?.data ?? '', Math.max(1, session?.ttlMs ?? 1),
          ...messageArgs(messages),
        );
      });
      // outside guard, which would make this refusal a 503 (StoreUnavailable) telling the caller to retry
      if (created !== 1) throw new Error(`verification ${v.id} already exists`);
    },
    get: (id) =>
      guard(async () => {
        const stored = await client.getBuffer(keys.verification(id));
        return stored ? unpackVerification(id, stored) : undefined;
      }),
    update,
    listRecent: (limit) =>
      guard(async () => {
        const ids = await client.zrevrange(keys.recentVerifications, 0, limit - 1);
        if (ids.length === 0) return [];
        const rows = await client.mgetBuffer(ids.map(keys.verification));
        return rows.flatMap((row, i) => (row ? [unpackVerification(ids[i], row)] : []));
      }),
    listExpiredIds: (now, limit) =>
      guard(async () => (await scripts.expiredVerifications([keys.openVerifications], keys.verificationPrefix, now.getTime(), limit)) as string[]),
    consumeAuthorization: (state) =>
      guard(async () => {
        const stored = await client.getdelBuffer(keys.authorizationState(state));
        return stored ? unpackAuthorizationState(state, stored) : undefined;
      }),
  };
}

/** a verification's key lives until its expiresAt plus the retention */
function ttlOf(v: Verification): number {
  return Math.max(1000, Date.parse(v.expiresAt) + RETENTION_MS - Date.now());
}
