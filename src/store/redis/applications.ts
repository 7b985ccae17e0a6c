import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { applicationSchema, type Application } from '../../applications/application.js';
import { StoreUnavailable } from '../../errors.js';
import type { ApplicationChange, ApplicationStore } from '../store.js';
import { guard } from './connection.js';
import type { KeyLayout } from './keys.js';
import type { Scripts } from './scripts.js';

/** optimistic update: tries before giving up on an application that keeps changing under us */
const UPDATE_TRIES = 50;

/**
 * Applications in Redis (ApplicationStore in store.ts): each one JSON string without TTL, an index of ids for
 * the list and an index from key ids to application ids. A create is one script; an update is optimistic, as a
 * verification's: read, run the (pure) change, then a Lua compare-and-set writes the result and moves the key
 * index only if the stored JSON is still what the change saw, else it runs again on the fresh application.
 *
 * Validation and the change run outside `guard`: a ZodError or what the change throws is the caller's
 * business, not an outage (guard would turn any unknown Error into StoreUnavailable).
 */
export function createRedisApplications(client: Redis, keys: KeyLayout, scripts: Scripts): ApplicationStore {
  const read = async (id: string) => parseStored(await guard(() => client.getBuffer(keys.application(id))));

  const update = async (id: string, change: ApplicationChange) => {
    for (let attempt = 1; attempt <= UPDATE_TRIES; attempt++) {
      const stored = await guard(() => client.getBuffer(keys.application(id)));
      const current = parseStored(stored);
      if (!stored || !current) return undefined;
      const changed = change(current);
      if (!changed) return undefined;
      const next = applicationSchema.parse({ ...changed, id });
      const before = new Set(current.keys.map((k) => k.id));
      const after = new Set(next.keys.map((k) => k.id));
      const dropped = [...before].filter((k) => !after.has(k));
      const added = [...after].filter((k) => !before.has(k));
      const written = await guard(() =>
        scripts.updateApplication(
          [keys.application(id), ...dropped.map(keys.applicationByKeyId), ...added.map(keys.applicationByKeyId)],
          id, stored, JSON.stringify(next), dropped.length,
        ),
      );
      if (written === 1) return next;
      if (written === -1) return undefined;
      // another instance wrote first; spread the retries of many racers a little
      if (attempt > 2) await sleep(Math.random() * 5 * attempt);
    }
    throw new StoreUnavailable(new Error(`application ${id} kept changing during ${UPDATE_TRIES} update attempts`));
  };

  return {
    create: async (application) => {
      const valid = applicationSchema.parse(application);
      const created = await guard(() =>
        scripts.createApplication(
          [keys.application(valid.id), keys.applicationIds, ...valid.keys.map((k) => keys.applicationByKeyId(k.id))],
          valid.id, JSON.stringify(valid),
        ),
      );
      if (created !== 1) throw new Error(`application ${valid.id} already exists`);
    },
    get: read,
    findByKeyId: async (keyId) => {
      const id = await guard(() => client.get(keys.applicationByKeyId(keyId)));
      if (id === null) return undefined;
      const app = await read(id);
      // the application may have dropped the key between the two reads
      return app?.keys.some((k) => k.id === keyId) ? app : undefined;
    },
    list: async () => {
      const ids = await guard(() => client.zrange(keys.applicationIds, 0, -1));
      if (ids.length === 0) return [];
      const rows = await guard(() => client.mgetBuffer(ids.map(keys.application)));
      return rows.flatMap((row) => parseStored(row) ?? []);
    },
    update,
  };
}

/** An application as stored, or undefined when there is none or it does not parse (tampered, or another version's). */
function parseStored(stored: Buffer | null): Application | undefined {
  if (stored === null) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(stored.toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = applicationSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
