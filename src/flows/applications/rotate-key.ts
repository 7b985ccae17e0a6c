import { MAX_KEYS, newApiKey, type Application } from '../../applications/application.js';
import type { BrokerDeps } from '../../deps.js';
import { Conflict, NotFound } from '../../errors.js';

/**
 * Adds a new API key to an application (`npm run apps -- rotate-key <id>`, POST /v1/applications/{id}/keys).
 *
 * Rules:
 * - the older keys stay live: the backend switches to the new key, then the administrator revokes the old one
 *   (revokeKey), so a rotation never breaks a running backend;
 * - an application holds at most MAX_KEYS keys, revoked ones included (they stay listed as its history); one
 *   more is refused with a Conflict and nothing is written;
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
    if (current.keys.length >= MAX_KEYS) {
      const live = current.keys.filter((k) => !k.revokedAt).length;
      throw new Conflict(`The application holds ${current.keys.length} keys (${live} live), the most it may hold; it cannot get another one.`);
    }
    return { ...current, keys: [...current.keys, record], updatedAt: now.toISOString() };
  });
  if (!application) throw new NotFound('No such application.');
  return { application, apiKey: key, keyId: record.id };
}
