import express, { type RequestHandler } from 'express';
import type { BrokerDeps } from '../../deps.js';
import type { FacadeRoute } from '../errors.js';
import { deliverCode } from './codes.js';
import { parseCodeRequest } from './code-request.js';
import { IdentityError, identityErrors } from './errors.js';
import { scenarioOf } from './scenario.js';
import { meUser, namedUserId, privileged } from './user-auth.js';
import { commitUser, loadUser, settleUser, type PendingNumber } from './users.js';

/**
 * POST /api/identity/user/v1.0/resend-code (privileged: backend API key, `"user": {"username", "realm"}`)
 * and POST /api/identity/user/v1.0/me/resend-code (the user's own JWT), with the `RecoveryScenario`
 * property MOBILE_VERIFICATION_ON_UPDATE or MOBILE_VERIFICATION_ON_VERIFIED_LIST_UPDATE → 201 with no
 * body, as in seed 004.
 *
 * Rules:
 * - a new code goes to each number of the scenario that waits (both scenarios when none is named), under
 *   the same limits as a native resend (codes.ts deliverCode, strict): a cooldown or a limit is a 429
 *   with Retry-After, providers down a 503;
 * - nothing waiting → 400 18005.
 */
export function resendCodeRoute(deps: BrokerDeps, who: 'privileged' | 'me'): FacadeRoute {
  const handler: RequestHandler = async (req, res) => {
    const userId = who === 'me' ? res.locals.wso2UserId! : namedUserId(req);
    const scenario = scenarioOf(req);
    const stored = await loadUser(deps, userId);
    if (!stored) throw new IdentityError(400, '18003', 'Invalid User', 'The user is not known to the broker.');
    const user = await settleUser(deps, stored);
    const ctx = { userId, clientIp: req.ip ?? 'unknown', mode: 'strict' as const };

    const primary = scenario !== 'MOBILE_VERIFICATION_ON_VERIFIED_LIST_UPDATE' ? user.pending : undefined;
    const list = scenario !== 'MOBILE_VERIFICATION_ON_UPDATE' ? user.pendingList : [];
    if (!primary && list.length === 0) throw new IdentityError(400, '18005', 'Recovery data not found', 'No mobile number of this user is waiting for a code.');

    let refusal: unknown;
    const send = async (entry: PendingNumber, which: 'MOBILE_VERIFICATION_ON_UPDATE' | 'MOBILE_VERIFICATION_ON_VERIFIED_LIST_UPDATE') => {
      try {
        return await deliverCode(deps, entry, { ...ctx, scenario: which });
      } catch (err) {
        refusal ??= err;
        return entry;
      }
    };
    const pending = primary && (await send(primary, 'MOBILE_VERIFICATION_ON_UPDATE'));
    const pendingList = [];
    for (const entry of user.pendingList) pendingList.push(list.includes(entry) ? await send(entry, 'MOBILE_VERIFICATION_ON_VERIFIED_LIST_UPDATE') : entry);
    await commitUser(deps, { ...user, pending: pending ?? user.pending, pendingList, lastModified: deps.now().toISOString() });
    if (refusal) throw refusal;
    res.set('Cache-Control', 'no-store').status(201).end();
  };
  const auth = who === 'me' ? meUser(deps) : privileged(deps);
  return [auth, express.json({ limit: deps.config.bodyLimit }), parseCodeRequest, handler, identityErrors(deps)];
}
