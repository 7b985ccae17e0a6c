import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { BrokerDeps } from '../../deps.js';
import type { Verification } from '../../domain/verification.js';
import type { OutboxMessage, RecordKind } from '../../store/store.js';
import { outboxMessage } from '../../webhooks/events.js';

/**
 * What the broker keeps per user of the customer's system for the WSO2 facade (seed 004): the primary
 * mobile number, the verified numbers, and the numbers waiting for verification. Numbers keep the text the
 * client wrote ("0123456789"), which is what the SCIM resource shows back, beside their E.164 form, which
 * is what is compared, verified and sent to.
 */
export interface MobileNumber {
  value: string;
  e164: string;
}

/** A number waiting for its code (or its silent check): the verification its latest code belongs to. */
export interface PendingNumber extends MobileNumber {
  verificationId: string;
  /** a silent verification started from the device, and where the device goes when it is done */
  silent?: { verificationId: string; returnUrl?: string };
}

export interface Wso2User {
  id: string;
  userName: string;
  primary?: MobileNumber;
  verified: MobileNumber[];
  /** MOBILE_VERIFICATION_ON_UPDATE: the new primary number, until verified */
  pending?: PendingNumber;
  /** MOBILE_VERIFICATION_ON_VERIFIED_LIST_UPDATE: numbers added to the verified list, until verified */
  pendingList: PendingNumber[];
  created: string;
  lastModified: string;
}

export type Scenario = 'MOBILE_VERIFICATION_ON_UPDATE' | 'MOBILE_VERIFICATION_ON_VERIFIED_LIST_UPDATE';

const mobileNumber = z.object({ value: z.string(), e164: z.string() });
const pendingNumber = mobileNumber.extend({
  verificationId: z.string(),
  silent: z.object({ verificationId: z.string(), returnUrl: z.string().optional() }).optional(),
});
const USERS: RecordKind<Wso2User> = {
  namespace: 'wso2-user',
  schema: z.object({
    id: z.string(),
    userName: z.string(),
    primary: mobileNumber.optional(),
    verified: z.array(mobileNumber),
    pending: pendingNumber.optional(),
    pendingList: z.array(pendingNumber),
    created: z.string(),
    lastModified: z.string(),
  }),
};

export const USER_ID = /^[\w.@:~-]{1,128}$/;

export async function loadUser(deps: BrokerDeps, id: string): Promise<Wso2User | undefined> {
  return USER_ID.test(id) ? deps.store.records.get(USERS, id) : undefined;
}

/**
 * Saves a user with the webhook events its change causes. The store cannot write a record and outbox
 * messages in one transaction, so the events go first: a crash in between leaves an event for a change
 * that will be made again by the next settle (with the same message id for verified numbers, which the
 * outbox ignores), never a change without its event.
 */
export async function commitUser(deps: BrokerDeps, user: Wso2User, events: OutboxMessage[] = []): Promise<void> {
  if (events.length) await deps.store.outbox.enqueue(events);
  await deps.store.records.put(USERS, user.id, user);
}

export function newUser(id: string, now: Date): Wso2User {
  return { id, userName: id, verified: [], pendingList: [], created: now.toISOString(), lastModified: now.toISOString() };
}

export function ownerIdFor(userId: string): string {
  return `wso2:${userId}`;
}

export function isVerifiedFor(user: Wso2User, e164: string): boolean {
  return user.primary?.e164 === e164 || user.verified.some((n) => n.e164 === e164);
}

/** the entries of one scenario, or of both when none is named */
export function pendingOf(user: Wso2User, scenario?: Scenario): PendingNumber[] {
  const primary = scenario !== 'MOBILE_VERIFICATION_ON_VERIFIED_LIST_UPDATE' && user.pending ? [user.pending] : [];
  return scenario === 'MOBILE_VERIFICATION_ON_UPDATE' ? primary : [...primary, ...user.pendingList];
}

/**
 * Brings a user up to date with its verifications, which are the source of truth: a number whose
 * verification (by code or silently) is verified becomes verified (and primary, for a primary change),
 * with a `phone_number.updated` event; a silent attempt that fell back to SMS becomes the number's code
 * verification (its code is the newest the user got); a finished silent attempt is forgotten.
 * Idempotent: settling twice, or on two instances, changes and announces nothing twice.
 */
export async function settleUser(deps: BrokerDeps, user: Wso2User): Promise<Wso2User> {
  const now = deps.now();
  let next: Wso2User = { ...user, verified: [...user.verified], pendingList: [] };
  const events: OutboxMessage[] = [];
  let changed = false;

  for (const entry of user.pendingList) {
    const { verified, entry: updated } = await resolve(deps, entry);
    if (verified) {
      if (!isVerifiedFor(next, entry.e164)) next.verified.push({ value: entry.value, e164: entry.e164 });
      events.push(numberUpdated(deps, next, { change: 'verified_list', number: entry.e164, method: verified.method, verificationId: verified.id }, now));
    } else next.pendingList.push(updated);
    changed ||= verified !== undefined || updated !== entry;
  }

  if (user.pending) {
    const { verified, entry: updated } = await resolve(deps, user.pending);
    if (verified || isVerifiedFor(next, user.pending.e164)) {
      const previous = next.primary?.e164;
      next = promote(next, user.pending);
      events.push(
        numberUpdated(deps, next, { change: 'primary', number: user.pending.e164, previous, method: verified?.method ?? 'already_verified', verificationId: verified?.id }, now),
      );
      changed = true;
    } else if (updated !== user.pending) {
      next.pending = updated;
      changed = true;
    }
  }

  if (!changed) return user;
  next.lastModified = now.toISOString();
  await commitUser(deps, next, events);
  return next;
}

/** the number becomes primary (and verified); any wait for it ends */
export function promote(user: Wso2User, number: MobileNumber): Wso2User {
  return {
    ...user,
    primary: { value: number.value, e164: number.e164 },
    verified: dedupe([...user.verified, { value: number.value, e164: number.e164 }]),
    pending: undefined,
    pendingList: user.pendingList.filter((p) => p.e164 !== number.e164),
  };
}

async function resolve(deps: BrokerDeps, entry: PendingNumber): Promise<{ verified?: Verification; entry: PendingNumber }> {
  const main = await deps.store.verifications.get(entry.verificationId);
  if (main?.status === 'verified') return { verified: main, entry };
  if (!entry.silent) return { entry };
  const silent = await deps.store.verifications.get(entry.silent.verificationId);
  if (silent?.status === 'verified') return { verified: silent, entry };
  if (silent?.status === 'otp_sent') return { entry: { value: entry.value, e164: entry.e164, verificationId: silent.id } };
  if (!silent || silent.status === 'failed' || silent.status === 'expired' || silent.status === 'fallback_required') {
    return { entry: { value: entry.value, e164: entry.e164, verificationId: entry.verificationId } };
  }
  return { entry };
}

export interface NumberChange {
  change: 'primary' | 'verified_list';
  number: string;
  previous?: string;
  method: Verification['method'] | 'already_verified';
  verificationId?: string;
}

/**
 * `phone_number.updated`: the user's verified numbers changed. The id of an event caused by a verification
 * is derived from it, so the same verification never announces twice, however often it is settled.
 */
export function numberUpdated(deps: BrokerDeps, user: Wso2User, change: NumberChange, now: Date): OutboxMessage {
  const data = {
    userId: user.id,
    userName: user.userName,
    change: change.change,
    number: change.number,
    method: change.method,
    verificationId: change.verificationId ?? null,
    phoneNumber: user.primary?.e164 ?? null,
    previousPhoneNumber: change.change === 'primary' ? (change.previous ?? null) : undefined,
    verifiedMobileNumbers: user.verified.map((n) => n.e164),
  };
  const message = outboxMessage(deps.config.verification.applicationId, 'phone_number.updated', data, now);
  if (!change.verificationId) return message;
  const id = `msg_${createHash('sha256').update(`phone_number.updated:${change.change}:${change.verificationId}`).digest('base64url').slice(0, 22)}`;
  return { ...message, id };
}

function dedupe(numbers: MobileNumber[]): MobileNumber[] {
  return numbers.filter((n, i) => numbers.findIndex((m) => m.e164 === n.e164) === i);
}
