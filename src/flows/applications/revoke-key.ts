import type { Application } from '../../applications/application.js';
import type { BrokerDeps } from '../../deps.js';
import { NotFound } from '../../errors.js';

/**
 * Revokes one API key of an application (`npm run apps -- revoke-key <id> <keyId>`,
 * DELETE /v1/applications/{id}/keys/{keyId}).
 *
 * Rules:
 * - the key stays listed with `revokedAt` and is refused from then on, on every instance (the next request reads it);
 * - a key id the application does not hold is a NotFound, and nothing is written;
 * - revoking a key already revoked changes nothing (its first `revokedAt` stays);
 * - revoking the last live key is allowed (a leaked key must be stoppable at once), and the answer says so
 *   (`liveKeys: 0`): the application's backend is refused until a new key is made.
 */
export async function revokeKey(
  deps: Pick<BrokerDeps, 'store' | 'now'>,
  id: string,
  keyId: string,
): Promise<{ application: Application; liveKeys: number }> {
  const revokedAt = deps.now().toISOString();
  const application = await deps.store.applications.update(id, (current) => {
    const key = current.keys.find((k) => k.id === keyId);
    if (!key) throw new NotFound('The application holds no key with that id.');
    if (key.revokedAt) return current;
    return { ...current, keys: current.keys.map((k) => (k === key ? { ...k, revokedAt } : k)), updatedAt: revokedAt };
  });
  if (!application) throw new NotFound('No such application.');
  return { application, liveKeys: application.keys.filter((k) => !k.revokedAt).length };
}
