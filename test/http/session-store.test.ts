import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { sessionMiddleware, ownerIdOf } from '../../src/http/session.js';
import { sessionRecordOf } from '../../src/http/session-store.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import type { KeyValueStore, Store } from '../../src/store/store.js';
import { aVerification } from '../store/contract.js';
import { Device } from '../support/device.js';

/** The store with its writes counted: key-value writes (express-session's) and creates (the start's one write). */
function counting(store: Store) {
  const writes = { keyValue: 0, creates: 0 };
  const keyValue: KeyValueStore = {
    ...store.keyValue,
    set: (...args) => ((writes.keyValue += 1), store.keyValue.set(...args)),
    delete: (...args) => ((writes.keyValue += 1), store.keyValue.delete(...args)),
  };
  const verifications = { ...store.verifications, create: (...args: Parameters<Store['verifications']['create']>) => ((writes.creates += 1), store.verifications.create(...args)) };
  return { store: { ...store, keyValue, verifications } as Store, writes };
}

describe('the session written with the start (one write)', () => {
  const base = createSqliteStore({ file: ':memory:' });
  const { store, writes } = counting(base);
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const app = express();
    app.use(sessionMiddleware({ store, secret: 'test-secret-test-secret-test-secret', secure: false, maxAgeMs: 3600_000 }));
    // what the start use case does: the verification, bound to this browser's session, in one write
    app.get('/start', async (req, res) => {
      const v = aVerification({ ownerId: ownerIdOf(req) });
      await store.verifications.create(v, { session: sessionRecordOf(req) });
      if (req.query.thenChange) req.session.silentVerificationId = v.id;
      res.json({ id: v.id });
    });
    app.get('/whoami', (req, res) => res.json({ ownerId: req.session.ownerId ?? null, silentVerificationId: req.session.silentVerificationId ?? null }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await base.close();
  });
  beforeEach(() => {
    writes.keyValue = 0;
    writes.creates = 0;
  });

  it('a start writes the session once, with its verification: express-session adds no write, and later requests none either', async () => {
    const device = new Device();
    const started = await device.request('GET', `${url}/start`);
    expect(started.status).toBe(200);
    expect(writes).toEqual({ creates: 1, keyValue: 0 });

    // the session the start wrote is the browser's: its cookie finds the owner the verification is bound to
    const me = await device.request('GET', `${url}/whoami`);
    const v = await base.verifications.get(started.json().id);
    expect(me.json().ownerId).toBe(v!.ownerId);
    expect(writes).toEqual({ creates: 1, keyValue: 0 });
  });

  it('a session changed after the start wrote it is written again at the end of the request', async () => {
    const device = new Device();
    const started = await device.request('GET', `${url}/start?thenChange=1`);
    expect(writes).toEqual({ creates: 1, keyValue: 1 });
    expect((await device.request('GET', `${url}/whoami`)).json().silentVerificationId).toBe(started.json().id);
  });
});
