import type { RecordKind, RecordStore } from './store.js';

/** What an implementation stores: the record's JSON text per namespace and key. */
export interface RawRecords {
  get(namespace: string, key: string): Promise<string | undefined>;
  put(namespace: string, key: string, json: string, ttlSeconds?: number): Promise<void>;
  delete(namespace: string, key: string): Promise<void>;
}

export interface RecordWarnings {
  warn(obj: object, msg: string): void;
}

/**
 * Typed records over an implementation's raw JSON. A record that is not JSON or does not fit its kind's
 * schema reads as absent (a facade then answers as for an unknown key, never with a half-valid record);
 * the store warns once per namespace, naming the namespace only (keys can be digests of secrets).
 */
export function typedRecords(raw: RawRecords, logger?: RecordWarnings): RecordStore {
  const warned = new Set<string>();
  const invalid = (namespace: string) => {
    if (warned.has(namespace)) return undefined;
    warned.add(namespace);
    logger?.warn({ namespace }, 'a stored record does not fit its schema; it reads as absent');
    return undefined;
  };
  return {
    async get<T>(kind: RecordKind<T>, key: string): Promise<T | undefined> {
      const json = await raw.get(kind.namespace, key);
      if (json === undefined) return undefined;
      let value: unknown;
      try {
        value = JSON.parse(json);
      } catch {
        return invalid(kind.namespace);
      }
      const parsed = kind.schema.safeParse(value);
      return parsed.success ? parsed.data : invalid(kind.namespace);
    },
    put: (kind, key, value, ttlSeconds) => raw.put(kind.namespace, key, JSON.stringify(value), ttlSeconds),
    delete: (kind, key) => raw.delete(kind.namespace, key),
  };
}
