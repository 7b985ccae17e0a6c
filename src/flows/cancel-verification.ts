import type { BrokerDeps } from '../deps.js';
import { cancelled } from '../domain/lifecycle.js';
import type { Verification } from '../domain/verification.js';
import { Conflict } from '../errors.js';
import { applyTransition, loadOwnedVerification } from './verifications.js';

/**
 * DELETE /v1/verifications/{id}: the starter (its application or its session) cancels the verification.
 *
 * Rules:
 * - an unfinished verification becomes `cancelled`, final: no code is checked, sent or handed out for it after
 *   that, and a late operator callback finds it no longer waiting; `verification.cancelled` goes to the
 *   application's webhook in the same write;
 * - a finished one (verified, failed, expired, cancelled) is not changed: 409 CONFLICT naming its status.
 */
export async function cancelVerification(deps: Pick<BrokerDeps, 'store' | 'metrics' | 'now'>, id: string, ownerId: string | undefined): Promise<Verification> {
  const current = await loadOwnedVerification(deps, id, ownerId);
  const next = await applyTransition(deps, id, cancelled(deps.now()));
  if (next) return next;
  const latest = (await deps.store.verifications.get(id)) ?? current;
  throw new Conflict(`The verification is already ${latest.status}.`);
}
