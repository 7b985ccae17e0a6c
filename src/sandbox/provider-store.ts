// Where oidc-provider keeps interactions, sessions, grants, codes and replay markers: in memory, each for
// as long as oidc-provider says it lives. A restart forgets everything, which suits a sandbox. Written here
// rather than using oidc-provider's quick-start adapter because that one evicts live entries beyond 1000
// (a load benchmark would lose interactions mid-flow) and warns at every start that production must
// replace it, which would bury the sandbox's own warning.

type Payload = Record<string, unknown> & { grantId?: string; uid?: string; consumed?: number };

interface Entry {
  model: string;
  payload: Payload;
  expiresAt: number;
}

/** oidc-provider's adapter interface, as far as the flows the sandbox enables use it. */
export interface ProviderStoreAdapter {
  upsert(id: string, payload: Payload, expiresInSeconds?: number): Promise<void>;
  find(id: string): Promise<Payload | undefined>;
  findByUid(uid: string): Promise<Payload | undefined>;
  findByUserCode(userCode: string): Promise<Payload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

const SWEEP_INTERVAL_MS = 10_000;

/** A fresh store for one provider: oidc-provider calls the returned factory once per model name. */
export function createProviderStore(): (model: string) => ProviderStoreAdapter {
  const entries = new Map<string, Entry>();
  let nextSweepAt = 0;

  const live = (key: string): Payload | undefined => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt > Date.now()) return entry.payload;
    entries.delete(key);
    return undefined;
  };

  // expired entries are dropped on read; this bounds the memory of those never read again
  const sweepExpired = () => {
    const now = Date.now();
    if (now < nextSweepAt) return;
    nextSweepAt = now + SWEEP_INTERVAL_MS;
    for (const [key, entry] of entries) if (entry.expiresAt <= now) entries.delete(key);
  };

  return (model) => {
    const keyFor = (id: string) => `${model}:${id}`;
    return {
      async upsert(id, payload, expiresInSeconds) {
        sweepExpired();
        const expiresAt = expiresInSeconds === undefined ? Infinity : Date.now() + expiresInSeconds * 1000;
        entries.set(keyFor(id), { model, payload, expiresAt });
      },
      async find(id) {
        return live(keyFor(id));
      },
      async findByUid(uid) {
        for (const [key, entry] of entries) if (entry.model === model && entry.payload.uid === uid) return live(key);
        return undefined;
      },
      async findByUserCode() {
        return undefined; // the device flow, the only user of user codes, is not enabled
      },
      async consume(id) {
        const payload = live(keyFor(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        entries.delete(keyFor(id));
      },
      async revokeByGrantId(grantId) {
        for (const [key, entry] of entries) if (entry.payload.grantId === grantId) entries.delete(key);
      },
    };
  };
}
