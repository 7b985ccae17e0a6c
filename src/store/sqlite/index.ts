import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StoreUnavailable } from '../../errors.js';
import { typedRecords, type RecordWarnings } from '../records.js';
import type { Store } from '../store.js';
import { createApplications } from './applications.js';
import { createKeyValue } from './key-value.js';
import { createOutbox } from './outbox.js';
import { createRawRecords } from './records.js';
import { migrate } from './schema.js';
import { createVerifications } from './verifications.js';

/** how long finished verifications stay readable after they expire, before the purge removes them */
const RETENTION_MS = 24 * 3600 * 1000;

/**
 * The database holds sessions, verifications and channel keys: owner-only (0600), whatever the umask, even
 * for files an older version created. SQLite gives the -wal and -shm files it creates the main file's mode;
 * existing ones are chmod-ed too.
 */
function keepPrivate(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
}

/**
 * The embedded store: one SQLite file (WAL) for one broker instance. better-sqlite3 is synchronous, so each
 * method's work happens with nothing interleaved in this process; every write of more than one statement is
 * a `BEGIN IMMEDIATE` transaction, which takes the write lock before it reads, so another connection (the
 * CLI, a second instance on the file) waits for it (busy_timeout) instead of failing at the upgrade from a
 * read to a write lock, as a deferred transaction that read first would.
 */
export function createSqliteStore(options: { file: string; logger?: RecordWarnings }): Store {
  if (options.file !== ':memory:') mkdirSync(path.dirname(options.file), { recursive: true, mode: 0o700 });
  const db = new Database(options.file);
  if (options.file !== ':memory:') keepPrivate(options.file);
  migrate(db);
  if (options.file !== ':memory:') keepPrivate(options.file);

  const purge = () => {
    const now = Date.now();
    db.prepare('DELETE FROM verifications WHERE expires_at <= ?').run(now - RETENTION_MS);
    db.prepare('DELETE FROM authorization_states WHERE expires_at <= ?').run(now);
    db.prepare('DELETE FROM records WHERE expires_at IS NOT NULL AND expires_at <= ?').run(now);
    db.prepare('DELETE FROM kv WHERE expires_at <= ?').run(now);
  };
  purge();
  const purgeTimer = setInterval(purge, 10 * 60 * 1000);
  purgeTimer.unref();

  // SQLite errors (disk full, locked file) are our unavailability; a bug in a change function is not
  const guard = <T>(work: () => T): Promise<T> => {
    // after close (shutdown), requests still draining get a 503 rather than better-sqlite3's TypeError
    if (!db.open) return Promise.reject(new StoreUnavailable());
    try {
      return Promise.resolve(work());
    } catch (err) {
      return Promise.reject(err instanceof Database.SqliteError ? new StoreUnavailable(err) : err);
    }
  };
  const guarded = <T extends object>(methods: T): { [K in keyof T]: T[K] extends (...a: infer A) => infer R ? (...a: A) => Promise<Awaited<R>> : never } =>
    Object.fromEntries(Object.entries(methods).map(([name, method]) => [name, (...args: unknown[]) => guard(() => (method as (...a: unknown[]) => unknown)(...args))])) as never;

  const outbox = createOutbox(db);
  const verifications = createVerifications(db, outbox);

  return {
      kind: 'sqlite',
      verifications: guarded(verifications),
      outbox: guarded({
        enqueue: outbox.enqueue,
        claim: outbox.claim,
        complete: outbox.complete,
        list: outbox.list,
        replay: outbox.replay,
        countPending: outbox.countPending,
        purgeFinished: outbox.purge,
      }),
      keyValue: guarded(createKeyValue(db)),
      records: typedRecords(guarded(createRawRecords(db)), options.logger),
      applications: guarded(createApplications(db)),
      ping: () => guard(() => void db.prepare('SELECT 1').get()),
      close: async () => {
        clearInterval(purgeTimer);
        if (db.open) db.close();
      },
  };
}
