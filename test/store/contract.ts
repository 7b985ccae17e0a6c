import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type session from 'express-session';
import { z } from 'zod';
import { newApiKey, newWebhookSecret, type ApiKeyRecord, type Application } from '../../src/applications/application.js';
import type { AuthorizationState, Verification } from '../../src/domain/verification.js';
import { StoreUnavailable } from '../../src/errors.js';
import { KeyValueSessionStore } from '../../src/http/session-store.js';
import { RateLimit } from '../../src/otp/rate-limits.js';
import { keyValueKeys, type OutboxMessage, type RecordKind, type Store } from '../../src/store/store.js';

/** an untyped record kind: any JSON reads back as it was written */
const kind = (namespace: string): RecordKind<unknown> => ({ namespace, schema: z.unknown() });

/**
 * Where one store's data lives. Every `open()` is another instance on the same data (another connection to
 * the SQLite file, another Redis client on the same prefix), which is how broker instances share a store.
 */
export interface StoreSite {
  open(): Promise<Store>;
  /** removes the data (temporary file, keys under the test's prefix) */
  destroy(): Promise<void>;
  /** stores `json` as the application `id` as is, past the store's validation, as a tampered row would be */
  tamperApplication(id: string, json: string): Promise<void>;
}

const MINUTE = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function aVerification(overrides: Partial<Verification> = {}, now = new Date()): Verification {
  return {
    id: `vrf_${randomBytes(16).toString('base64url')}`,
    applicationId: 'default',
    phoneNumber: '+34600000002',
    status: 'silent_auth_in_progress',
    method: 'silent_auth',
    network: 'cellular',
    ownerId: randomBytes(16).toString('base64url'),
    operatorId: 'sandbox',
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 10 * MINUTE).toISOString(),
    events: [{ at: now.toISOString(), type: 'created', detail: { network: 'cellular' } }],
    ...overrides,
  };
}

/** A valid application, as the admin API would make one, with one live key (applicationSchema's output). */
export function anApplication(overrides: Partial<Application> = {}, now = new Date()): Application {
  return {
    id: `app-${randomBytes(6).toString('hex')}`,
    name: 'Sample bank',
    webhookUrl: 'https://backend.example/webhooks',
    returnUrlPrefixes: ['https://app.example/done', 'samplebank://verify/'],
    sms: { brand: 'SampleBank', languages: ['es', 'en'] },
    countries: { allow: ['ES', 'PT'], deny: [] },
    limits: { requestsPerMinute: 600, startsPerMinute: 60, smsPerDay: 1000 },
    keys: [newApiKey(now).record],
    webhookSecret: newWebhookSecret(),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    ...overrides,
  };
}

function aState(verificationId: string, overrides: Partial<AuthorizationState> = {}): AuthorizationState {
  return {
    state: randomBytes(32).toString('base64url'),
    verificationId,
    operatorId: 'sandbox',
    codeVerifier: randomBytes(32).toString('base64url'),
    nonce: randomBytes(32).toString('base64url'),
    expiresAt: new Date(Date.now() + 10 * MINUTE).toISOString(),
    ...overrides,
  };
}

function aMessage(overrides: Partial<OutboxMessage> = {}): OutboxMessage {
  const id = `msg_${randomBytes(12).toString('base64url')}`;
  return {
    id,
    applicationId: 'default',
    eventType: 'verification.completed',
    payload: JSON.stringify({ type: 'verification.completed', data: { id, note: 'ünïcödé / "quoted"' } }),
    createdAt: new Date().toISOString(),
    ...overrides,
  };
}

/** counts an attempt, as the OTP check does: the change reads the counter and writes it plus one */
const countAttempt = (v: Verification) => ({
  next: { ...v, events: [...v.events, { at: new Date().toISOString(), type: 'attempt', detail: { n: v.events.length } }] },
});

/** express-session's store as the broker builds it (src/http/session-store.ts), over this store */
export const sessionsOf = (store: Store) => {
  const sessions = new KeyValueSessionStore(store.keyValue);
  return {
    get: (sid: string) => new Promise<session.SessionData | null | undefined>((resolve, reject) => sessions.get(sid, (err, s) => (err ? reject(err) : resolve(s)))),
    set: (sid: string, data: session.SessionData) => new Promise<void>((resolve, reject) => sessions.set(sid, data, (err) => (err ? reject(err) : resolve()))),
    touch: (sid: string, data: session.SessionData) => new Promise<void>((resolve) => sessions.touch(sid, data, () => resolve())),
    destroy: (sid: string) => new Promise<void>((resolve, reject) => sessions.destroy(sid, (err) => (err ? reject(err) : resolve()))),
  };
};

function sessionData(expiresInMs: number, ownerId = randomBytes(16).toString('base64url')): session.SessionData {
  const expires = new Date(Date.now() + expiresInMs);
  return { cookie: { originalMaxAge: expiresInMs, expires, httpOnly: true, path: '/', sameSite: 'lax', secure: false }, ownerId } as unknown as session.SessionData;
}

/**
 * The Store contract (src/store/store.ts): every method and every rule of its header comment, run against
 * each implementation with the same tests. Further instances opened on the same data play several brokers.
 */
export function describeStoreContract(name: string, makeSite: () => StoreSite, options: { skipBecause?: string } = {}): void {
  if (options.skipBecause) console.warn(`\n  SKIPPED the ${name} store contract: ${options.skipBecause}\n`);
  const describeUnlessSkipped = options.skipBecause ? describe.skip : describe;
  describeUnlessSkipped(`the ${name} store keeps the Store contract`, () => {
    let site: StoreSite;
    let opened: Store[];
    let store: Store;
    /** another broker instance on the same data */
    const another = async () => {
      const s = await site.open();
      opened.push(s);
      return s;
    };

    beforeEach(async () => {
      site = makeSite();
      opened = [];
      store = await another();
    });
    afterEach(async () => {
      for (const s of opened) await s.close();
      await site.destroy();
    });

    describe('verifications', () => {
      it('reads back a created verification as it was written, and nothing for an unknown id', async () => {
        const v = aVerification({ returnUrl: 'https://app.example/done', lang: 'es' });
        await store.verifications.create(v);
        expect(await store.verifications.get(v.id)).toEqual(v);
        expect(await (await another()).verifications.get(v.id)).toEqual(v);
        expect(await store.verifications.get('vrf_unknown')).toBeUndefined();
      });

      it('updateVerification stores the change and returns it; a missing record or a declined change writes nothing', async () => {
        const v = aVerification();
        await store.verifications.create(v);
        const verified = await store.verifications.update(v.id, (cur) => ({ next: { ...cur, status: 'verified', verifiedAt: '2030-01-01T00:00:00.000Z' } }));
        expect(verified).toMatchObject({ id: v.id, status: 'verified', verifiedAt: '2030-01-01T00:00:00.000Z' });
        expect(await store.verifications.get(v.id)).toEqual(verified);

        expect(await store.verifications.update(v.id, () => undefined)).toBeUndefined();
        expect(await store.verifications.get(v.id)).toEqual(verified);

        let called = false;
        expect(await store.verifications.update('vrf_missing', (cur) => ((called = true), { next: cur }))).toBeUndefined();
        expect(called).toBe(false);
      });

      it('concurrent updates from several instances each see the latest record: none is lost', async () => {
        const v = aVerification();
        await store.verifications.create(v);
        const instances = [store, await another(), await another()];
        await Promise.all(Array.from({ length: 30 }, (_, i) => instances[i % 3].verifications.update(v.id, countAttempt)));
        const final = await store.verifications.get(v.id);
        expect(final!.events.filter((e) => e.type === 'attempt').map((e) => e.detail!.n)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      });

      it('an update writes its outbox messages with it, and only those of the run that won a race', async () => {
        const v = aVerification();
        await store.verifications.create(v);
        const instances = [store, await another()];
        // a fresh message id per run: a run that lost a race and leaked its messages would show up as extra deliveries
        const withMessage = (cur: Verification) => ({ ...countAttempt(cur), outbox: [aMessage({ payload: `{"n":${cur.events.length}}` })] });
        await Promise.all(Array.from({ length: 10 }, (_, i) => instances[i % 2].verifications.update(v.id, withMessage)));
        expect(await store.outbox.countPending()).toBe(10);
        const payloads = (await store.outbox.list({ limit: 50 })).map((d) => d.payload).sort();
        expect(payloads).toEqual(Array.from({ length: 10 }, (_, i) => `{"n":${i + 1}}`).sort());

        await store.verifications.update(v.id, () => undefined);
        expect(await store.outbox.countPending()).toBe(10);
      });

      it('what the change throws reaches the caller unchanged, and nothing is written', async () => {
        const v = aVerification();
        await store.verifications.create(v);
        const boom = new Error('the change refused');
        await expect(store.verifications.update(v.id, () => { throw boom; })).rejects.toBe(boom);
        expect(await store.verifications.get(v.id)).toEqual(v);
      });

      it('lists recent verifications newest first, up to the limit', async () => {
        const t0 = Date.now();
        const vs = [0, 1, 2, 3].map((i) => aVerification({}, new Date(t0 + i * 1000)));
        for (const v of [vs[2], vs[0], vs[3], vs[1]]) await store.verifications.create(v);
        expect((await store.verifications.listRecent(3)).map((v) => v.id)).toEqual([vs[3].id, vs[2].id, vs[1].id]);
      });

      it('lists unfinished verifications whose expiresAt has passed, not finished or live ones, up to the limit', async () => {
        const past = new Date(Date.now() - MINUTE).toISOString();
        const open1 = aVerification({ expiresAt: past });
        const open2 = aVerification({ expiresAt: past, status: 'otp_sent' });
        const done = aVerification({ expiresAt: past, status: 'verified' });
        const live = aVerification();
        const laterFinished = aVerification({ expiresAt: past });
        for (const v of [open1, open2, done, live, laterFinished]) await store.verifications.create(v);
        await store.verifications.update(laterFinished.id, (cur) => ({ next: { ...cur, status: 'failed' } }));

        const ids = await store.verifications.listExpiredIds(new Date(), 10);
        expect(ids.sort()).toEqual([open1.id, open2.id].sort());
        expect(await store.verifications.listExpiredIds(new Date(), 1)).toHaveLength(1);
        expect(await store.verifications.listExpiredIds(new Date(Date.now() - 2 * MINUTE), 10)).toEqual([]);

        // once marked expired (a final status) it leaves the list, and stays readable
        await store.verifications.update(open1.id, (cur) => ({ next: { ...cur, status: 'expired' } }));
        expect(await store.verifications.listExpiredIds(new Date(), 10)).toEqual([open2.id]);
        expect(await store.verifications.get(open1.id)).toMatchObject({ status: 'expired' });
      });
    });

    describe('applications', () => {
      const withKey = (key: ApiKeyRecord) => (cur: Application) => ({ ...cur, keys: [...cur.keys, key] });

      it('a created application reads back as it was written, on any instance; list gives every one by id', async () => {
        const [a, b, c] = ['app-a', 'app-b', 'app-c'].map((id) => anApplication({ id }));
        for (const app of [b, c, a]) await store.applications.create(app);
        const other = await another();
        expect(await other.applications.get(b.id)).toEqual(b);
        expect(await other.applications.list()).toEqual([a, b, c]);
        expect(await store.applications.get('app-unknown')).toBeUndefined();
      });

      it('a create whose id exists is refused and writes nothing: the first stays as it was, the second key finds nothing', async () => {
        const first = anApplication();
        await store.applications.create(first);
        const second = anApplication({ id: first.id, name: 'Impostor' });
        const refused = (await another()).applications.create(second);
        await expect(refused).rejects.toThrow(first.id);
        await expect(refused).rejects.not.toBeInstanceOf(StoreUnavailable);
        expect(await store.applications.get(first.id)).toEqual(first);
        expect(await store.applications.findByKeyId(second.keys[0].id)).toBeUndefined();
        expect(await store.applications.findByKeyId(first.keys[0].id)).toEqual(first);
        expect(await store.applications.list()).toEqual([first]);
      });

      it('an application that does not fit the schema is refused at create and nothing is written', async () => {
        const bad = anApplication({ name: '' });
        await expect(store.applications.create(bad)).rejects.not.toBeInstanceOf(StoreUnavailable);
        expect(await store.applications.get(bad.id)).toBeUndefined();
        expect(await store.applications.findByKeyId(bad.keys[0].id)).toBeUndefined();
        expect(await store.applications.list()).toEqual([]);
      });

      it('findByKeyId finds the application holding a key, live or revoked (the caller decides), on any instance', async () => {
        const now = new Date();
        const revoked = { ...newApiKey(now).record, revokedAt: now.toISOString() };
        const app = anApplication({ keys: [newApiKey(now).record, revoked] });
        await store.applications.create(app);
        const other = await another();
        expect(await other.applications.findByKeyId(app.keys[0].id)).toEqual(app);
        expect(await other.applications.findByKeyId(revoked.id)).toEqual(app);
        expect(await other.applications.findByKeyId(newApiKey(now).record.id)).toBeUndefined();
      });

      it('the key index follows updates: an added key finds the application, a dropped one finds nothing', async () => {
        const app = anApplication();
        const [kept] = app.keys;
        await store.applications.create(app);
        const added = newApiKey(new Date()).record;
        const withTwo = await store.applications.update(app.id, withKey(added));
        expect(withTwo!.keys).toEqual([kept, added]);
        expect(await store.applications.get(app.id)).toEqual(withTwo);
        const other = await another();
        expect(await other.applications.findByKeyId(added.id)).toEqual(withTwo);

        const rotated = await other.applications.update(app.id, (cur) => ({ ...cur, keys: cur.keys.filter((k) => k.id !== kept.id) }));
        expect(rotated!.keys).toEqual([added]);
        expect(await store.applications.findByKeyId(kept.id)).toBeUndefined();
        expect(await store.applications.findByKeyId(added.id)).toEqual(rotated);
        expect(await store.applications.list()).toEqual([rotated]);
      });

      it('a declined change, or a missing application, writes nothing and returns undefined', async () => {
        const app = anApplication();
        await store.applications.create(app);
        expect(await store.applications.update(app.id, () => undefined)).toBeUndefined();
        expect(await store.applications.get(app.id)).toEqual(app);

        let called = false;
        expect(await store.applications.update('app-missing', (cur) => ((called = true), cur))).toBeUndefined();
        expect(called).toBe(false);
        expect(await store.applications.list()).toEqual([app]);
      });

      it('what the change throws reaches the caller unchanged; a result that does not fit the schema is refused; neither writes', async () => {
        const app = anApplication();
        await store.applications.create(app);
        const boom = new Error('the change refused');
        await expect(store.applications.update(app.id, () => { throw boom; })).rejects.toBe(boom);
        const added = newApiKey(new Date()).record;
        const invalid = store.applications.update(app.id, (cur) => ({ ...withKey(added)(cur), name: '' }));
        await expect(invalid).rejects.toThrow();
        await expect(invalid).rejects.not.toBeInstanceOf(StoreUnavailable);
        expect(await store.applications.get(app.id)).toEqual(app);
        expect(await store.applications.findByKeyId(added.id)).toBeUndefined();
      });

      it('concurrent updates from two instances each see the latest application: 10 racing key appends keep all 10', async () => {
        const app = anApplication();
        await store.applications.create(app);
        const instances = [store, await another()];
        const keys = Array.from({ length: 10 }, () => newApiKey(new Date()).record);
        await Promise.all(keys.map((key, i) => instances[i % 2].applications.update(app.id, withKey(key))));
        const final = await store.applications.get(app.id);
        expect(final!.keys.map((k) => k.id).sort()).toEqual([app.keys[0], ...keys].map((k) => k.id).sort());
        for (const key of keys) expect((await instances[1].applications.findByKeyId(key.id))?.id).toBe(app.id);
      });

      it('a stored application that does not fit the schema reads as absent, is left out of list, and is not updated', async () => {
        const [good, notJson, wrongShape] = [anApplication({ id: 'app-1' }), anApplication({ id: 'app-2' }), anApplication({ id: 'app-3' })];
        for (const app of [good, notJson, wrongShape]) await store.applications.create(app);
        await site.tamperApplication(notJson.id, '{"id": "app-2", "name": ');
        await site.tamperApplication(wrongShape.id, JSON.stringify({ ...wrongShape, keys: [{ ...wrongShape.keys[0], hash: 'not-a-digest' }] }));

        const other = await another();
        for (const app of [notJson, wrongShape]) {
          expect(await other.applications.get(app.id)).toBeUndefined();
          expect(await other.applications.findByKeyId(app.keys[0].id)).toBeUndefined();
          let called = false;
          expect(await other.applications.update(app.id, (cur) => ((called = true), cur))).toBeUndefined();
          expect(called).toBe(false);
        }
        expect(await other.applications.list()).toEqual([good]);
      });
    });

    describe('a start: verifications.create with what goes with it (one write)', () => {
      const binding = (id: string, text = `session of ${id}`) => ({ id, data: Buffer.from(text), ttlMs: MINUTE });

      it('writes the verification, its authorization state, its outbox messages and its session together', async () => {
        const v = aVerification();
        const s = aState(v.id);
        const m = aMessage();
        await store.verifications.create(v, { authorization: s, outbox: [m], session: binding('sid-start') });
        const other = await another();
        expect(await other.verifications.get(v.id)).toEqual(v);
        expect((await other.verifications.listRecent(1)).map((r) => r.id)).toEqual([v.id]);
        expect(await other.keyValue.get(keyValueKeys.session('sid-start'))).toEqual(Buffer.from('session of sid-start'));
        expect(await other.outbox.list({ limit: 10 })).toEqual([expect.objectContaining({ ...m, status: 'pending' })]);
        // the authorization state is consumable once, on any instance
        expect(await other.verifications.consumeAuthorization(s.state)).toEqual(s);
        expect(await store.verifications.consumeAuthorization(s.state)).toBeUndefined();
      });

      it('a create whose verification exists is refused and writes nothing of its own: no state, message or session', async () => {
        const v = aVerification();
        await store.verifications.create(v);
        const s = aState(v.id);
        const m = aMessage();
        const taken = { ...v, phoneNumber: '+34600000099' };
        const refused = (await another()).verifications.create(taken, { authorization: s, outbox: [m], session: binding('sid-second') });
        // a refusal, not an outage (a 503 would tell the caller to retry what can never succeed)
        await expect(refused).rejects.toThrow();
        await expect(refused).rejects.not.toBeInstanceOf(StoreUnavailable);
        expect(await store.verifications.get(v.id)).toEqual(v);
        expect(await store.verifications.consumeAuthorization(s.state)).toBeUndefined();
        expect(await store.outbox.countPending()).toBe(0);
        expect(await store.keyValue.get(keyValueKeys.session('sid-second'))).toBeUndefined();
      });

      it('when instances race to create one id, exactly one create is written, with its own state and session', async () => {
        const v = aVerification();
        const instances = [store, await another()];
        const states = Array.from({ length: 10 }, () => aState(v.id));
        const results = await Promise.allSettled(
          states.map((s, i) => instances[i % 2].verifications.create({ ...v, ownerId: `owner-${i}` }, { authorization: s, outbox: [aMessage()], session: binding(`sid-race-${i}`, `${i}`) })),
        );
        const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        expect(winners).toHaveLength(1);
        const [w] = winners;
        expect(await store.verifications.get(v.id)).toMatchObject({ ownerId: `owner-${w}` });
        const consumed = await Promise.all(states.map((s) => store.verifications.consumeAuthorization(s.state)));
        expect(consumed.flatMap((c, i) => (c ? [i] : []))).toEqual([w]);
        expect(await store.outbox.countPending()).toBe(1);
        const sessions = await Promise.all(states.map((_, i) => store.keyValue.get(keyValueKeys.session(`sid-race-${i}`))));
        expect(sessions.flatMap((x, i) => (x ? [i] : []))).toEqual([w]);
      });

      it('an update through the new interface keeps the rules of the old one', async () => {
        const v = aVerification();
        await store.verifications.create(v);
        const m = aMessage();
        const done = await store.verifications.update(v.id, (cur) => ({ next: { ...cur, status: 'verified' }, outbox: [m] }));
        expect(await (await another()).verifications.get(v.id)).toEqual(done);
        expect(await store.outbox.countPending()).toBe(1);
        expect(await store.verifications.update('vrf_missing', (cur) => ({ next: cur }))).toBeUndefined();
      });
    });

    describe('the key-value store (sessions and counters)', () => {
      it('sets, replaces, reads on another instance and deletes bytes', async () => {
        const bytes = Buffer.from([1, 0, 255, 0x7b, 10]);
        await store.keyValue.set('s:one', Buffer.from('first'), MINUTE);
        await store.keyValue.set('s:one', bytes, MINUTE);
        expect(await (await another()).keyValue.get('s:one')).toEqual(bytes);
        await store.keyValue.delete('s:one');
        expect(await store.keyValue.get('s:one')).toBeUndefined();
        expect(await store.keyValue.get('s:never')).toBeUndefined();
      });

      it('an entry disappears after its time to live; set again, it takes the new one', async () => {
        await store.keyValue.set('s:short', Buffer.from('x'), 300);
        await store.keyValue.set('s:renewed', Buffer.from('x'), 300);
        await store.keyValue.set('s:renewed', Buffer.from('y'), MINUTE);
        await sleep(500);
        expect(await store.keyValue.get('s:short')).toBeUndefined();
        expect(await store.keyValue.get('s:renewed')).toEqual(Buffer.from('y'));
      });

      it('no key-value key reaches another kind of record', async () => {
        const v = aVerification();
        await store.verifications.create(v);
        await store.outbox.enqueue([aMessage()]);
        for (const key of [`v:${v.id}`, 'v:recent', 'ob:due', 'ob:all', `r:tokens:a`]) {
          await store.keyValue.set(key, Buffer.from('overwritten?'), MINUTE);
          await store.keyValue.increment(`${key}x`, 1, MINUTE);
        }
        expect(await store.verifications.get(v.id)).toEqual(v);
        expect((await store.verifications.listRecent(5)).map((r) => r.id)).toEqual([v.id]);
        expect(await store.outbox.countPending()).toBe(1);
        expect(await store.outbox.list({ limit: 5 })).toHaveLength(1);
      });

      it('50 concurrent increments from two instances leave 50, in one window', async () => {
        const instances = [store, await another()];
        const results = await Promise.all(Array.from({ length: 50 }, (_, i) => instances[i % 2].keyValue.increment('rl:test:k', 1, MINUTE)));
        expect(results.map((r) => r.value).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
        expect(results.every((r) => r.msBeforeReset > 0 && r.msBeforeReset <= MINUTE)).toBe(true);
        expect((await store.keyValue.increment('rl:test:k', -2, MINUTE)).value).toBe(48);
      });

      it('a running counter keeps its expiry; an expired one starts again', async () => {
        expect(await store.keyValue.increment('rl:test:w', 2, 400)).toMatchObject({ value: 2 });
        const later = await store.keyValue.increment('rl:test:w', 1, MINUTE);
        expect(later.value).toBe(3);
        expect(later.msBeforeReset).toBeLessThanOrEqual(400);
        await sleep(600);
        const fresh = await store.keyValue.increment('rl:test:w', 1, MINUTE);
        expect(fresh.value).toBe(1);
        expect(fresh.msBeforeReset).toBeGreaterThan(MINUTE - 5000);
      });
    });

    describe('typed records', () => {
      const Token: RecordKind<{ user: string; scopes: string[] }> = { namespace: 'tokens', schema: z.object({ user: z.string(), scopes: z.array(z.string()) }) };
      const Counter: RecordKind<number> = { namespace: 'tokens', schema: z.number() };

      it('a record reads back parsed with its kind, on any instance; delete removes it', async () => {
        await store.records.put(Token, 'a', { user: 'u1', scopes: ['x'] });
        expect(await (await another()).records.get(Token, 'a')).toEqual({ user: 'u1', scopes: ['x'] });
        await store.records.delete(Token, 'a');
        expect(await store.records.get(Token, 'a')).toBeUndefined();
      });

      it('a record of the wrong shape reads as absent', async () => {
        await store.records.put(Counter, 'b', 42);
        await store.records.put(kind('tokens'), 'c', { user: 'u2' });
        expect(await store.records.get(Token, 'b')).toBeUndefined();
        expect(await store.records.get(Token, 'c')).toBeUndefined();
        expect(await store.records.get(Counter, 'b')).toBe(42);
      });

      it('a typed record with a time to live disappears after it', async () => {
        await store.records.put(Counter, 'ttl', 1, 1);
        expect(await store.records.get(Counter, 'ttl')).toBe(1);
        await sleep(1200);
        expect(await store.records.get(Counter, 'ttl')).toBeUndefined();
      });
    });

    describe('authorization states', () => {
      it('a state is returned once; a second consume, on any instance, gets nothing', async () => {
        const s = aState('vrf_a');
        await store.verifications.create(aVerification(), { authorization: s });
        const other = await another();
        expect(await other.verifications.consumeAuthorization(s.state)).toEqual(s);
        expect(await other.verifications.consumeAuthorization(s.state)).toBeUndefined();
        expect(await store.verifications.consumeAuthorization(s.state)).toBeUndefined();
        expect(await store.verifications.consumeAuthorization('never-saved')).toBeUndefined();
      });

      it('when instances race on one state, exactly one gets it', async () => {
        const s = aState('vrf_b');
        await store.verifications.create(aVerification(), { authorization: s });
        const instances = [store, await another()];
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => instances[i % 2].verifications.consumeAuthorization(s.state)));
        expect(results.filter(Boolean)).toEqual([s]);
      });

      it('an expired state is not returned', async () => {
        const s = aState('vrf_c', { expiresAt: new Date(Date.now() - 1000).toISOString() });
        await store.verifications.create(aVerification(), { authorization: s });
        expect(await store.verifications.consumeAuthorization(s.state)).toBeUndefined();
      });
    });

    describe('records', () => {
      it('puts, overwrites, reads and deletes records per namespace and key', async () => {
        await store.records.put(kind('tokens'), 'a', { n: 1 });
        await store.records.put(kind('tokens'), 'a', { n: 2, nested: { ok: true } });
        await store.records.put(kind('users'), 'a', ['other']);
        expect(await (await another()).records.get(kind('tokens'), 'a')).toEqual({ n: 2, nested: { ok: true } });
        expect(await store.records.get(kind('users'), 'a')).toEqual(['other']);
        await store.records.delete(kind('tokens'), 'a');
        expect(await store.records.get(kind('tokens'), 'a')).toBeUndefined();
        expect(await store.records.get(kind('users'), 'a')).toEqual(['other']);
      });

      it('namespace and key are not confused when they contain separators', async () => {
        await store.records.put(kind('a:b'), 'c', 'first');
        await store.records.put(kind('a'), 'b:c', 'second');
        expect(await store.records.get(kind('a:b'), 'c')).toBe('first');
        expect(await store.records.get(kind('a'), 'b:c')).toBe('second');
      });

      it('a record with a time to live disappears after it; one put again without TTL stays', async () => {
        await store.records.put(kind('channel'), 'short', { v: 1 }, 1);
        await store.records.put(kind('channel'), 'renewed', { v: 1 }, 1);
        await store.records.put(kind('channel'), 'renewed', { v: 2 });
        expect(await store.records.get(kind('channel'), 'short')).toEqual({ v: 1 });
        await sleep(1200);
        expect(await store.records.get(kind('channel'), 'short')).toBeUndefined();
        expect(await store.records.get(kind('channel'), 'renewed')).toEqual({ v: 2 });
      });
    });

    describe('the webhook outbox', () => {
      const t0 = new Date('2030-01-01T00:00:00.000Z');
      const at = (ms: number) => new Date(t0.getTime() + ms);
      // deliveries are due from the moment they are enqueued (real time), so claims use times after that
      const LEASE = 30_000;

      it('an enqueued message is a pending delivery, once even if enqueued twice', async () => {
        const m = aMessage();
        await store.outbox.enqueue([m]);
        await store.outbox.enqueue([m]);
        expect(await store.outbox.countPending()).toBe(1);
        const [d] = await store.outbox.list({ status: 'pending', limit: 10 });
        expect(d).toMatchObject({ ...m, status: 'pending', attempts: 0 });
        expect(d.leaseUntil).toBeUndefined();
      });

      it('a due delivery is leased to one worker at a time, across instances', async () => {
        const ms = [aMessage(), aMessage(), aMessage(), aMessage(), aMessage()];
        await store.outbox.enqueue(ms);
        const instances = [store, await another()];
        const claims = await Promise.all(Array.from({ length: 6 }, (_, i) => instances[i % 2].outbox.claim(at(0), 2, LEASE)));
        const ids = claims.flat().map((d) => d.id);
        expect(ids.sort()).toEqual(ms.map((m) => m.id).sort());
        expect(claims.every((c) => c.length <= 2)).toBe(true);
        const one = claims.flat()[0];
        expect(one).toMatchObject({ status: 'delivering', attempts: 1, leaseUntil: at(LEASE).toISOString() });
        expect(await store.outbox.claim(at(LEASE - 1), 10, LEASE)).toEqual([]);
        expect(await store.outbox.countPending()).toBe(5);
      });

      it('an expired lease makes the delivery claimable again, so a dead worker does not lose it', async () => {
        const m = aMessage();
        await store.outbox.enqueue([m]);
        expect(await store.outbox.claim(at(0), 10, LEASE)).toHaveLength(1);
        // the worker holding it dies; another instance finds it once the lease has run out
        const again = await (await another()).outbox.claim(at(LEASE), 10, LEASE);
        expect(again).toEqual([expect.objectContaining({ id: m.id, status: 'delivering', attempts: 2, leaseUntil: at(2 * LEASE).toISOString() })]);
      });

      it('a delivered webhook leaves the queue, with its status and time', async () => {
        const m = aMessage();
        await store.outbox.enqueue([m]);
        await store.outbox.claim(at(0), 10, LEASE);
        await store.outbox.complete(m.id, { ok: true, status: 204 }, at(1000));
        expect(await store.outbox.countPending()).toBe(0);
        expect(await store.outbox.claim(at(10 * LEASE), 10, LEASE)).toEqual([]);
        const [d] = await store.outbox.list({ status: 'delivered', limit: 10 });
        expect(d).toMatchObject({ id: m.id, status: 'delivered', attempts: 1, lastStatus: 204, deliveredAt: at(1000).toISOString() });
        expect(d.leaseUntil).toBeUndefined();
        expect(await store.outbox.list({ status: 'delivering', limit: 10 })).toEqual([]);
      });

      it('a failed attempt with a next attempt waits until then; without one the delivery is failed', async () => {
        const [retried, given] = [aMessage(), aMessage()];
        await store.outbox.enqueue([retried, given]);
        await store.outbox.claim(at(0), 10, LEASE);
        await store.outbox.complete(retried.id, { ok: false, status: 500, error: 'HTTP 500', nextAttemptAt: at(60_000) }, at(1000));
        await store.outbox.complete(given.id, { ok: false, error: 'x'.repeat(2000) }, at(1000));

        const pending = (await store.outbox.list({ status: 'pending', limit: 10 }))[0];
        expect(pending).toMatchObject({ id: retried.id, status: 'pending', lastStatus: 500, lastError: 'HTTP 500', nextAttemptAt: at(60_000).toISOString() });
        const failed = (await store.outbox.list({ status: 'failed', limit: 10 }))[0];
        expect(failed).toMatchObject({ id: given.id, status: 'failed' });
        expect(failed.lastError!.length).toBeLessThanOrEqual(500);
        expect(failed.lastStatus).toBeUndefined();
        expect(await store.outbox.countPending()).toBe(1);

        expect(await store.outbox.claim(at(59_999), 10, LEASE)).toEqual([]);
        expect((await store.outbox.claim(at(60_000), 10, LEASE)).map((d) => [d.id, d.attempts])).toEqual([[retried.id, 2]]);
      });

      it('replay puts a delivered or failed delivery back in the queue, due now; other deliveries are left alone', async () => {
        const [done, waiting] = [aMessage(), aMessage()];
        await store.outbox.enqueue([done, waiting]);
        await store.outbox.claim(at(0), 1, LEASE);
        const claimedId = (await store.outbox.list({ status: 'delivering', limit: 1 }))[0].id;
        await store.outbox.complete(claimedId, { ok: true, status: 200 }, at(1));
        const otherId = claimedId === done.id ? waiting.id : done.id;

        const replayed = await (await another()).outbox.replay(claimedId, at(5000));
        expect(replayed).toMatchObject({ id: claimedId, status: 'pending', attempts: 1, nextAttemptAt: at(5000).toISOString() });
        expect(await store.outbox.countPending()).toBe(2);
        expect((await store.outbox.claim(at(5000), 10, LEASE)).map((d) => d.id).sort()).toEqual([done.id, waiting.id].sort());

        const stillDelivering = await store.outbox.replay(otherId, at(6000));
        expect(stillDelivering).toMatchObject({ id: otherId, status: 'delivering' });
        expect(await store.outbox.replay('msg_unknown', at(6000))).toBeUndefined();
      });

      it('lists deliveries newest first, up to the limit, optionally by status', async () => {
        const base = Date.now();
        const ms = [0, 1, 2, 3].map((i) => aMessage({ createdAt: new Date(base + i).toISOString() }));
        await store.outbox.enqueue(ms);
        await store.outbox.claim(at(0), 4, LEASE);
        await store.outbox.complete(ms[1].id, { ok: true, status: 200 }, at(1));
        await store.outbox.complete(ms[3].id, { ok: true, status: 200 }, at(1));
        expect((await store.outbox.list({ limit: 3 })).map((d) => d.id)).toEqual([ms[3].id, ms[2].id, ms[1].id]);
        expect((await store.outbox.list({ status: 'delivered', limit: 10 })).map((d) => d.id)).toEqual([ms[3].id, ms[1].id]);
        expect((await store.outbox.list({ status: 'delivering', limit: 10 })).map((d) => d.id)).toEqual([ms[2].id, ms[0].id]);
      });

      it('purges finished deliveries (delivered or failed) that finished before the cutoff, and nothing else', async () => {
        const HOUR = 3_600_000;
        const [oldDelivered, oldFailed, newDelivered, newFailed, retrying, delivering, replayed] = Array.from({ length: 7 }, () => aMessage());
        await store.outbox.enqueue([oldDelivered, oldFailed, newDelivered, newFailed, retrying, delivering, replayed]);
        expect(await store.outbox.claim(at(0), 10, LEASE)).toHaveLength(7);
        await store.outbox.complete(oldDelivered.id, { ok: true, status: 200 }, at(1000));
        await store.outbox.complete(oldFailed.id, { ok: false, status: 410, error: 'HTTP 410' }, at(1000));
        await store.outbox.complete(newDelivered.id, { ok: true, status: 200 }, at(HOUR));
        await store.outbox.complete(newFailed.id, { ok: false, error: 'timeout' }, at(HOUR));
        await store.outbox.complete(retrying.id, { ok: false, status: 500, error: 'HTTP 500', nextAttemptAt: at(2 * HOUR) }, at(1000));
        await store.outbox.complete(replayed.id, { ok: true, status: 200 }, at(1000));
        await store.outbox.replay(replayed.id, at(2000));

        // another instance purges: the data is shared
        expect(await (await another()).outbox.purgeFinished(at(HOUR - 1), 100)).toBe(2);
        const kept = (await store.outbox.list({ limit: 100 })).map((d) => d.id);
        expect(kept.sort()).toEqual([newDelivered.id, newFailed.id, retrying.id, delivering.id, replayed.id].sort());
        expect((await store.outbox.list({ status: 'delivered', limit: 100 })).map((d) => d.id)).toEqual([newDelivered.id]);
        expect((await store.outbox.list({ status: 'failed', limit: 100 })).map((d) => d.id)).toEqual([newFailed.id]);
        expect(await store.outbox.replay(oldDelivered.id, at(3000))).toBeUndefined();
        expect(await store.outbox.countPending()).toBe(3);
        expect(await store.outbox.purgeFinished(at(HOUR - 1), 100)).toBe(0);

        // a batch at a time: the limit holds
        expect(await store.outbox.purgeFinished(at(HOUR + 1), 1)).toBe(1);
        expect(await store.outbox.purgeFinished(at(HOUR + 1), 100)).toBe(1);
        expect((await store.outbox.list({ limit: 100 })).map((d) => d.id).sort()).toEqual([retrying.id, delivering.id, replayed.id].sort());
      });
    });

    describe('rate limits (otp/rate-limits.ts over the key-value store)', () => {
      it('count in the store, so every instance shares one counter per key', async () => {
        const options = { name: 'sms-number', points: 3, duration: 60 };
        const limits = [new RateLimit(store.keyValue, options), new RateLimit((await another()).keyValue, options)];
        expect(await limits[0].consume('+34600000002')).toMatchObject({ allowed: true, remainingPoints: 2 });
        await limits[1].consume('+34600000002');
        expect(await limits[0].consume('+34600000002')).toMatchObject({ allowed: true, remainingPoints: 0 });
        const refused = await limits[1].consume('+34600000002');
        expect(refused).toMatchObject({ allowed: false, remainingPoints: 0 });
        expect(refused.msBeforeNext).toBeGreaterThan(55_000);
        expect(refused.msBeforeNext).toBeLessThanOrEqual(60_000);
        // other keys and other limits count separately
        expect(await limits[1].consume('+34600000003')).toMatchObject({ allowed: true });
        expect(await new RateLimit(store.keyValue, { ...options, name: 'sms-ip' }).consume('+34600000002')).toMatchObject({ allowed: true });
      });

      it('concurrent consumption never lets more through than the points', async () => {
        const options = { name: 'otp', points: 5, duration: 60 };
        const limits = [new RateLimit(store.keyValue, options), new RateLimit((await another()).keyValue, options)];
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => limits[i % 2].consume('vrf_x')));
        expect(results.filter((r) => r.allowed)).toHaveLength(5);
      });

      it('a refund gives a point back', async () => {
        const limit = new RateLimit(store.keyValue, { name: 'budget', points: 1, duration: 60 });
        expect((await limit.consume('all')).allowed).toBe(true);
        await limit.refund('all');
        expect((await limit.consume('all')).allowed).toBe(true);
        expect((await limit.consume('all')).allowed).toBe(false);
      });

      it('a window ends: after its duration a key starts again', async () => {
        const limit = new RateLimit(store.keyValue, { name: 'short', points: 1, duration: 1 });
        expect((await limit.consume('k')).allowed).toBe(true);
        expect((await limit.consume('k')).allowed).toBe(false);
        await sleep(1100);
        expect(await limit.consume('k')).toMatchObject({ allowed: true, remainingPoints: 0 });
      });
    });

    describe('sessions (express-session store)', () => {
      it('keeps, shares, and destroys a session', async () => {
        const sessions = sessionsOf(store);
        const data = sessionData(MINUTE, 'owner-1');
        await sessions.set('sid-1', data);
        const read = await sessionsOf(await another()).get('sid-1');
        expect(read).toMatchObject({ ownerId: 'owner-1', cookie: { httpOnly: true, sameSite: 'lax' } });
        expect(new Date((read as unknown as { cookie: { expires: string } }).cookie.expires).getTime()).toBe(new Date(data.cookie.expires!).getTime());
        await sessions.destroy('sid-1');
        expect(await sessions.get('sid-1')).toBeFalsy();
        expect(await sessions.get('never-set')).toBeFalsy();
      });

      it('a session ends with its cookie, touched or not (the cookie is not rolling: its expiry is fixed)', async () => {
        const sessions = sessionsOf(store);
        await sessions.set('short', sessionData(800));
        await sessions.set('touched', sessionData(800));
        await sessions.touch('touched', sessionData(MINUTE));
        await sleep(1200);
        expect(await sessions.get('short')).toBeFalsy();
        expect(await sessions.get('touched')).toBeFalsy();
      });
    });

    it('ping answers while the store is up', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
      expect(['sqlite', 'redis']).toContain(store.kind);
    });
  });
}
