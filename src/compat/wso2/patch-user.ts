import express from 'express';
import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../../deps.js';
import type { OutboxMessage } from '../../store/store.js';
import type { FacadeRoute } from '../errors.js';
import { deliverCode } from './codes.js';
import { ScimError, scimErrors } from './errors.js';
import { readPatch, type NumberIntent } from './patch-ops.js';
import { scimUser, sendScim } from './scim-user.js';
import { privileged } from './user-auth.js';
import { commitUser, isVerifiedFor, loadUser, newUser, numberUpdated, promote, settleUser, USER_ID, type PendingNumber, type Wso2User } from './users.js';

/**
 * PATCH /scim2/Users/{id} (backend API key): "mobile number verification on update" (seed 004).
 *
 * Rules:
 * - the whole PatchOp is read and checked first (patch-ops.ts): bad input changes nothing and sends nothing;
 * - a new mobile number becomes `pendingMobileNumber` and gets a code; the primary number stays until the
 *   new one is verified; the same pending number again gets its next code (cooldown applies);
 * - a number already verified (the primary, or one in the verified list) takes effect at once and gets
 *   no code; setting the current primary again withdraws a pending change;
 * - a new verified list replaces the old one: numbers already verified stay verified, each other number
 *   waits for its own code (numbers already waiting keep their code);
 * - codes are sent before the user is saved; a blocked destination refuses the whole change (400), a
 *   limit or an SMS outage does not (the number waits; resend-code sends later), as in WSO2 where the
 *   notification follows the update;
 * - each change that makes a number primary or verified fires `phone_number.updated`;
 * - a user the broker has not seen is created by its first PATCH: the users live in the customer's
 *   system, which addresses them by its own ids; the broker only follows their mobile numbers;
 * - the answer is 200 with the resource, as in the seed's sample responses.
 */
export function patchUser(deps: BrokerDeps): FacadeRoute {
  const handler: RequestHandler = async (req, res) => {
    const id = String(req.params.id);
    if (!USER_ID.test(id)) throw new ScimError(400, 'invalidValue', 'The user id must be 1–128 letters, digits or . _ @ : ~ -.');
    const intents = readPatch(deps, req.body);
    const now = deps.now();
    const stored = await loadUser(deps, id);
    let user = stored ? await settleUser(deps, stored) : newUser(id, now);
    const events: OutboxMessage[] = [];
    const ctx = { clientIp: req.ip ?? 'unknown', userId: id, mode: 'lenient' as const };

    for (const intent of intents) user = await apply(deps, user, intent, events, ctx);
    user = { ...user, lastModified: now.toISOString() };
    await commitUser(deps, user, events);
    sendScim(res, 200, scimUser(deps, user));
  };
  return [privileged(deps), express.json({ limit: deps.config.bodyLimit, type: ['application/json', 'application/scim+json'] }), handler, scimErrors(deps)];
}

type Ctx = { clientIp: string; userId: string; mode: 'lenient' };

async function apply(deps: BrokerDeps, user: Wso2User, intent: NumberIntent, events: OutboxMessage[], ctx: Ctx): Promise<Wso2User> {
  const now = deps.now();
  if (intent.kind === 'primary') {
    const number = intent.number;
    if (user.primary?.e164 === number.e164) return { ...user, pending: undefined };
    if (isVerifiedFor(user, number.e164)) {
      const next = promote(user, number);
      events.push(numberUpdated(deps, next, { change: 'primary', number: number.e164, previous: user.primary?.e164, method: 'already_verified' }, now));
      return next;
    }
    const waiting = user.pending?.e164 === number.e164 ? user.pending : number;
    const pending = await deliverCode(deps, waiting, { ...ctx, scenario: 'MOBILE_VERIFICATION_ON_UPDATE' });
    return { ...user, pending: { ...pending, value: number.value } };
  }

  const verified = intent.numbers.filter((n) => isVerifiedFor(user, n.e164));
  const added = verified.filter((n) => !user.verified.some((v) => v.e164 === n.e164));
  const pendingList: PendingNumber[] = [];
  for (const number of intent.numbers.filter((n) => !isVerifiedFor(user, n.e164))) {
    const waiting = user.pendingList.find((p) => p.e164 === number.e164);
    pendingList.push(waiting ?? (await deliverCode(deps, number, { ...ctx, scenario: 'MOBILE_VERIFICATION_ON_VERIFIED_LIST_UPDATE' })));
  }
  const next = { ...user, verified, pendingList };
  for (const number of added) events.push(numberUpdated(deps, next, { change: 'verified_list', number: number.e164, method: 'already_verified' }, now));
  return next;
}
