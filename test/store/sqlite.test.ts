import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { StoreUnavailable } from '../../src/errors.js';
import { RateLimit } from '../../src/otp/rate-limits.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { anApplication, aVerification, describeStoreContract, sessionsOf } from './contract.js';

// a file rather than :memory:, so several instances (connections) can share it as the contract needs
describeStoreContract('SQLite', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'store-contract-'));
  const file = path.join(dir, 'broker.sqlite');
  return {
    open: async () => createSqliteStore({ file }),
    destroy: async () => rmSync(dir, { recursive: true, force: true }),
    tamperApplication: async (id, json) => {
      const db = new Database(file);
      try {
        db.prepare('UPDATE applications SET data = ? WHERE id = ?').run(json, id);
      } finally {
        db.close();
      }
    },
  };
});

describe('the SQLite store after close', () => {
  it('answers StoreUnavailable (503), not a TypeError', async () => {
    const store = createSqliteStore({ file: ':memory:' });
    await store.close();
    await expect(store.verifications.get('vrf_x')).rejects.toBeInstanceOf(StoreUnavailable);
  });
});

describe('the SQLite store writes with BEGIN IMMEDIATE', () => {
  it('an update holds the write lock from its first read: no other connection writes between its read and its write', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'store-immediate-'));
    const file = path.join(dir, 'broker.sqlite');
    const store = createSqliteStore({ file });
    // another process on the file (the CLI, a second instance), which does not wait for locks
    const other = new Database(file);
    other.pragma('busy_timeout = 0');
    try {
      const v = aVerification();
      await store.verifications.create(v);
      let otherWrite: unknown;
      const updated = await store.verifications.update(v.id, (cur) => {
        // between the update's read and its write: a deferred transaction would let this in, and then fail
        // its own write on a stale snapshot (SQLITE_BUSY_SNAPSHOT, a 503)
        try {
          other.prepare("INSERT INTO records (namespace, key, data) VALUES ('n', 'k', '1')").run();
        } catch (err) {
          otherWrite = err;
        }
        return { next: { ...cur, status: 'verified' } };
      });
      expect(updated).toMatchObject({ status: 'verified' });
      expect(otherWrite).toMatchObject({ code: 'SQLITE_BUSY' });
    } finally {
      other.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a data dir of schema version 1', () => {
  it('keeps its sessions and running rate-limit windows, now in the key-value table', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'store-migrate-'));
    const file = path.join(dir, 'broker.sqlite');
    const old = new Database(file);
    old.exec(`
      CREATE TABLE sessions (sid TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at INTEGER NOT NULL);
      CREATE TABLE rate_limits (key TEXT PRIMARY KEY, points INTEGER NOT NULL DEFAULT 0, expire INTEGER);
    `);
    const expires = new Date(Date.now() + 3600_000);
    const data = { cookie: { originalMaxAge: 3600_000, expires, httpOnly: true, path: '/' }, ownerId: 'owner-v1' };
    old.prepare('INSERT INTO sessions VALUES (?, ?, ?)').run('live', JSON.stringify(data), expires.getTime());
    old.prepare('INSERT INTO sessions VALUES (?, ?, ?)').run('gone', JSON.stringify(data), Date.now() - 1000);
    old.prepare('INSERT INTO rate_limits VALUES (?, ?, ?)').run('sms-number:+34600000002', 3, Date.now() + 60_000);
    old.close();

    const store = createSqliteStore({ file });
    try {
      expect(await sessionsOf(store).get('live')).toMatchObject({ ownerId: 'owner-v1' });
      expect(await sessionsOf(store).get('gone')).toBeFalsy();
      const limit = new RateLimit(store.keyValue, { name: 'sms-number', points: 3, duration: 60 });
      expect(await limit.consume('+34600000002')).toMatchObject({ allowed: false });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a data dir of schema version 2', () => {
  it('upgrades to version 3 (applications) keeping its verifications, sessions and records', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'store-migrate-v2-'));
    const file = path.join(dir, 'broker.sqlite');
    // version 3 only added the two application tables: a v3 file without them, marked 2, is a v2 data dir
    const before = createSqliteStore({ file });
    const v = aVerification();
    const record = { namespace: 'tokens', schema: z.object({ user: z.string() }) };
    await before.verifications.create(v);
    await before.keyValue.set('s:kept', Buffer.from('session'), 3600_000);
    await before.records.put(record, 'k', { user: 'u1' });
    await before.close();
    const old = new Database(file);
    old.exec('DROP TABLE applications; DROP TABLE application_keys');
    old.pragma('user_version = 2');
    old.close();

    const store = createSqliteStore({ file });
    try {
      expect(await store.verifications.get(v.id)).toEqual(v);
      expect(await store.keyValue.get('s:kept')).toEqual(Buffer.from('session'));
      expect(await store.records.get(record, 'k')).toEqual({ user: 'u1' });
      const app = anApplication();
      await store.applications.create(app);
      expect(await store.applications.findByKeyId(app.keys[0].id)).toEqual(app);
    } finally {
      await store.close();
    }
    const reopened = new Database(file);
    try {
      expect(reopened.pragma('user_version', { simple: true })).toBe(3);
    } finally {
      reopened.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
