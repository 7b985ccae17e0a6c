import { MAX_KEYS, newApiKey, type Application } from '../../applications/application.js';
import type { BrokerDeps } from '../../deps.js';
import { Conflict, NotFound } from '../../errors.js';

/**
 * Adds a new API key to an application (`npm run apps -- rotate-key <id>`, POST /v1/applications/{id}/keys).
 *
 * Rules:
 * - the older keys stay live: the backend switches to the new key, then the administrator revokes the old one
 *   (revokeKey), so a rotation never breaks a running backend;
 * - an application holds at most MAX_KEYS keys, revoked ones included (they stay listed as its history); at the
 *   limit the oldest revoked key makes room (its history is the least useful, and a revoked key opens nothing), and
 *   only when all MAX_KEYS are live is one more refused with a Conflict, nothing written;
 * - the key is made outside the change (the change must be pure: a store may run it again) and returned once,
 *   to be shown once: only its hash is stored.
 */
export async function rotateKey(
  deps: Pick<BrokerDeps, 'store' | 'now'>,
  id: string,
): Promise<{ application: Application; apiKey: string; keyId: string }> {
  const now = deps.now();
  const { key, record } = newApiKey(now);
  const application = await deps.store.applications.update(id, (current) => {
    const keys = withRoomForOneMore(current.keys);
    if (keys.length >= MAX_KEYS) throw new Conflict(`The application holds ${MAX_KEYS} live keys, the most it may hold; revoke one first.`);
    return { ...current, keys: [...keys, record], updatedAt: now.toISOString() };
  });
  if (!application) throw new NotFound('No such application.');
  return { application, apiKey: key, keyId: record.id };
}

/** The keys, less the oldest revoked one when they are at the limit. */
function withRoomForOneMore(keys: Application['keys']): Application['keys'] {
  if (keys.length < MAX_KEYS) return keys;
  const oldestRevoked = keys.filter((k) => k.revokedAt).sort((a, b) => Date.parse(a.revokedAt!) - Date.parse(b.revokedAt!))[0];
  return oldestRevoked ? keys.filter((k) => k !== oldestRevoked) : keys;
}
