import type Database from 'better-sqlite3';
import { applicationSchema, type Application } from '../../applications/application.js';
import type { ApplicationChange } from '../store.js';

/** Applications and their key index (ApplicationStore in store.ts): each write one IMMEDIATE transaction. */
export function createApplications(db: Database.Database) {
  const q = {
    insert: db.prepare('INSERT INTO applications (id, data) VALUES (?, ?) ON CONFLICT(id) DO NOTHING'),
    get: db.prepare<[string], { data: string }>('SELECT data FROM applications WHERE id = ?'),
    put: db.prepare('UPDATE applications SET data = ? WHERE id = ?'),
    all: db.prepare<[], { data: string }>('SELECT data FROM applications ORDER BY id'),
    byKey: db.prepare<[string], { data: string }>('SELECT a.data FROM application_keys k JOIN applications a ON a.id = k.application_id WHERE k.key_id = ?'),
    addKey: db.prepare('INSERT OR REPLACE INTO application_keys (key_id, application_id) VALUES (?, ?)'),
    dropKeys: db.prepare('DELETE FROM application_keys WHERE application_id = ?'),
  };
  // a row that is not even JSON reads as absent too, rather than failing every read and the whole list
  const parse = (row: { data: string } | undefined): Application | undefined => {
    if (!row) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(row.data);
    } catch {
      return undefined;
    }
    const parsed = applicationSchema.safeParse(json);
    return parsed.success ? parsed.data : undefined;
  };
  const indexKeys = (app: Application) => {
    q.dropKeys.run(app.id);
    for (const key of app.keys) q.addKey.run(key.id, app.id);
  };

  const create = db.transaction((app: Application) => {
    const valid = applicationSchema.parse(app);
    if (q.insert.run(valid.id, JSON.stringify(valid)).changes === 0) throw new Error(`application ${app.id} already exists`);
    indexKeys(valid);
  });

  const update = db.transaction((id: string, change: ApplicationChange): Application | undefined => {
    const current = parse(q.get.get(id));
    if (!current) return undefined;
    const changed = change(current);
    if (!changed) return undefined;
    const next = applicationSchema.parse({ ...changed, id });
    q.put.run(JSON.stringify(next), id);
    indexKeys(next);
    return next;
  });

  return {
    create: (app: Application): void => create.immediate(app),
    get: (id: string): Application | undefined => parse(q.get.get(id)),
    findByKeyId: (keyId: string): Application | undefined => parse(q.byKey.get(keyId)),
    list: (): Application[] => q.all.all().flatMap((row) => parse(row) ?? []),
    update: (id: string, change: ApplicationChange): Application | undefined => update.immediate(id, change),
  };
}
