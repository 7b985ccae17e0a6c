import express, { type RequestHandler } from 'express';
import type { BrokerDeps } from '../../deps.js';
import { codeKind, isOwnedBy } from '../../domain/lifecycle.js';
import type { Verification } from '../../domain/verification.js';
import { BrokerError } from '../../errors.js';
import { checkOwnedCode } from '../../flows/otp/check-code.js';
import { codeMatches } from '../../otp/code.js';
import { isCompletionCodeShaped } from '../../otp/completion-code.js';
import type { FacadeRoute } from '../errors.js';
import { parseCodeRequest } from './code-request.js';
import { IdentityError, identityErrors } from './errors.js';
import { scenarioOf } from './scenario.js';
import { meUser, namedUserId, privileged } from './user-auth.js';
import { loadUser, ownerIdFor, pendingOf, settleUser } from './users.js';

/**
 * POST /api/identity/user/v1.0/validate-code (privileged: backend API key, the user named — see
 * user-auth.ts) and POST /api/identity/user/v1.0/me/validate-code (the user's own JWT):
 * `{"code", "properties": []}` → 200 with no body, as in seed 004.
 *
 * Rules:
 * - the code is checked by the same flow as the native API (attempts limited per verification, single
 *   use, expiry) against the numbers the user has waiting (of the RecoveryScenario, when one is given);
 * - when several numbers wait, the code's own verification is found by its hash first, so a right code
 *   costs no other number an attempt; a wrong one counts against every waiting number (a guess tried on
 *   each is one guess at each);
 * - a completion code (handed to the user's device by the silent-verify done page) completes that silent
 *   verification, with the same attempt limit;
 * - on success the number becomes verified (and primary, for a primary change) and
 *   `phone_number.updated` fires (users.ts settleUser);
 * - refusals use WSO2's codes: 18001 invalid code, 18002 expired, 18003 invalid user, 18005 nothing waiting.
 */
export function validateCode(deps: BrokerDeps, who: 'privileged' | 'me'): FacadeRoute {
  const handler: RequestHandler = async (req, res) => {
    const userId = who === 'me' ? res.locals.wso2UserId! : namedUserId(req);
    const code = (req.body as { code?: unknown } | undefined)?.code;
    if (typeof code !== 'string' || code === '') throw new IdentityError(400, '18001', 'Invalid Code', 'code is required.');
    const scenario = scenarioOf(req);
    const stored = await loadUser(deps, userId);
    if (!stored) throw new IdentityError(400, '18003', 'Invalid User', 'The user is not known to the broker.');
    const user = await settleUser(deps, stored);

    // a silent verification proved on the user's device waits for the completion code that device was handed
    const ids = pendingOf(user, scenario).flatMap((p) => (p.silent ? [p.verificationId, p.silent.verificationId] : [p.verificationId]));
    const found = await Promise.all(ids.map((id) => deps.store.verifications.get(id)));
    const waiting = found.filter(
      (v): v is Verification => v !== undefined && isOwnedBy(v, ownerIdFor(userId)) && (codeKind(v) !== 'completion' || isCompletionCodeShaped(code)),
    );
    if (waiting.length === 0) throw new IdentityError(400, '18005', 'Recovery data not found', 'No mobile number of this user is waiting for a code.');
    await checkAgainst(deps, waiting, code);
    await settleUser(deps, (await loadUser(deps, userId))!);
    res.set('Cache-Control', 'no-store').status(200).end();
  };
  const auth = who === 'me' ? meUser(deps) : privileged(deps);
  return [auth, express.json({ limit: deps.config.bodyLimit }), parseCodeRequest, handler, identityErrors(deps)];
}

async function checkAgainst(deps: BrokerDeps, waiting: Verification[], code: string): Promise<Verification> {
  const completing = isCompletionCodeShaped(code) ? waiting.find((v) => codeKind(v) === 'completion') : undefined;
  if (completing) return checkOwnedCode(deps, completing, code);
  waiting = waiting.filter((v) => codeKind(v) !== 'completion');
  if (waiting.length === 1) return checkOwnedCode(deps, waiting[0], code);
  const secret = deps.sms.codeKey;
  const own = waiting.find((v) => codeKind(v) === 'sms' && v.otp!.codeHash && /^\d{4,10}$/.test(code) && codeMatches(secret, v.id, code, v.otp!.codeHash));
  if (own) return checkOwnedCode(deps, own, code);
  let first: unknown;
  for (const v of waiting.filter((w) => codeKind(w) === 'sms')) {
    try {
      return await checkOwnedCode(deps, v, code);
    } catch (err) {
      if (!(err instanceof BrokerError)) throw err;
      first ??= err;
    }
  }
  throw first ?? new IdentityError(400, '18001', 'Invalid Code', 'No code is waiting; ask for a new one.');
}
