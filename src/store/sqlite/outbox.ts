import type Database from 'better-sqlite3';
import type { Delivery, DeliveryResult, DeliveryStatus, OutboxMessage } from '../store.js';

interface OutboxRow {
  id: string;
  application_id: string;
  event_type: string;
  payload: string;
  created_at: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: string | null;
}

function toDelivery(row: OutboxRow): Delivery {
  return {
    id: row.id,
    applicationId: row.application_id,
    eventType: row.event_type,
    payload: row.payload,
    createdAt: row.created_at,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: new Date(row.next_attempt_at).toISOString(),
    ...(row.lease_until != null && { leaseUntil: new Date(row.lease_until).toISOString() }),
    ...(row.last_status != null && { lastStatus: row.last_status }),
    ...(row.last_error != null && { lastError: row.last_error }),
    ...(row.delivered_at != null && { deliveredAt: row.delivered_at }),
  };
}

/** The webhook outbox table: a queue whose claims are leases, so a crashed worker's delivery comes back. */
export function createOutbox(db: Database.Database) {
  const insert = db.prepare(
    `INSERT OR IGNORE INTO outbox (id, application_id, event_type, payload, created_at, status, attempts, next_attempt_at)
     VALUES (@id, @applicationId, @eventType, @payload, @createdAt, 'pending', 0, @due)`,
  );
  const due = db.prepare<[number, number, number], OutboxRow>(
    `SELECT * FROM outbox WHERE (status = 'pending' AND next_attempt_at <= ?) OR (status = 'delivering' AND lease_until <= ?)
     ORDER BY next_attempt_at LIMIT ?`,
  );
  const lease = db.prepare(`UPDATE outbox SET status = 'delivering', lease_until = ?, attempts = attempts + 1 WHERE id = ?`);
  const get = db.prepare<[string], OutboxRow>('SELECT * FROM outbox WHERE id = ?');
  const delivered = db.prepare(
    `UPDATE outbox SET status = 'delivered', lease_until = NULL, last_status = ?, last_error = NULL, delivered_at = ? WHERE id = ?`,
  );
  const retry = db.prepare(
    `UPDATE outbox SET status = ?, lease_until = NULL, last_status = ?, last_error = ?, next_attempt_at = ? WHERE id = ?`,
  );
  const replay = db.prepare(
    `UPDATE outbox SET status = 'pending', lease_until = NULL, next_attempt_at = ? WHERE id = ? AND status IN ('delivered', 'failed')`,
  );
  const pending = db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM outbox WHERE status IN ('pending', 'delivering')`);
  // when a delivery finished: delivered_at for a delivered one; next_attempt_at, which the last attempt set to
  // its own time, for a failed one (both columns use the (status, …) index's status prefix)
  const purge = db.prepare(
    `DELETE FROM outbox WHERE rowid IN (
       SELECT rowid FROM outbox WHERE (status = 'delivered' AND delivered_at < ?) OR (status = 'failed' AND next_attempt_at < ?) LIMIT ?)`,
  );

  const claim = db.transaction((now: number, max: number, leaseMs: number) => {
    const rows = due.all(now, now, max);
    for (const row of rows) lease.run(now + leaseMs, row.id);
    return rows.map((row) => toDelivery({ ...row, status: 'delivering', attempts: row.attempts + 1, lease_until: now + leaseMs }));
  });
  // inside a caller's transaction (a create, an update) this is a savepoint of it
  const enqueue = db.transaction((messages: OutboxMessage[], now: number) => {
    for (const m of messages) insert.run({ ...m, due: now });
  });

  return {
    enqueue(messages: OutboxMessage[]): void {
      if (messages.length > 0) enqueue.immediate(messages, Date.now());
    },
    claim(now: Date, max: number, leaseMs: number): Delivery[] {
      return claim.immediate(now.getTime(), max, leaseMs);
    },
    complete(id: string, result: DeliveryResult, now: Date): void {
      if (result.ok) {
        delivered.run(result.status, now.toISOString(), id);
      } else {
        const status = result.nextAttemptAt ? 'pending' : 'failed';
        retry.run(status, result.status ?? null, result.error.slice(0, 500), (result.nextAttemptAt ?? now).getTime(), id);
      }
    },
    list(filter: { status?: DeliveryStatus; limit: number }): Delivery[] {
      const sql = filter.status
        ? `SELECT * FROM outbox WHERE status = ? ORDER BY created_at DESC, rowid DESC LIMIT ?`
        : `SELECT * FROM outbox ORDER BY created_at DESC, rowid DESC LIMIT ?`;
      const params = filter.status ? [filter.status, filter.limit] : [filter.limit];
      return (db.prepare(sql).all(...params) as OutboxRow[]).map(toDelivery);
    },
    replay(id: string, now: Date): Delivery | undefined {
      replay.run(now.getTime(), id);
      const row = get.get(id);
      return row ? toDelivery(row) : undefined;
    },
    countPending(): number {
      return pending.get()!.n;
    },
    purge(finishedBefore: Date, limit: number): number {
      return purge.run(finishedBefore.toISOString(), finishedBefore.getTime(), limit).changes;
    },
  };
}
