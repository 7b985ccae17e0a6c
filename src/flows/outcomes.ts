import { event, isFinal, type CompletionState, type Verification, type VerificationEvent } from '../domain/verification.js';
import type { FallbackReason } from '../operator/failure.js';
import type { OutboxMessage, VerificationChange } from '../store/store.js';
import { verificationEvent } from '../webhooks/events.js';

/**
 * The ways a verification's status changes, each as a pure change for Store.updateVerification. A change
 * declines (returns undefined) when the verification is not in a state it may leave, so a late or repeated
 * call changes nothing; final statuses also write their webhook event to the outbox in the same transaction.
 */
export function verified(now: Date, method: Verification['method'], events: VerificationEvent[] = []): VerificationChange {
  return (v) => {
    if (isFinal(v.status) || isPastExpiry(v, now)) return undefined;
    const next: Verification = {
      ...v,
      status: 'verified',
      method,
      verifiedAt: now.toISOString(),
      updatedAt: now.toISOString(),
      reason: undefined,
      completion: undefined,
      events: [...v.events, ...events, event('verified', { method }, now)],
    };
    return { next, outbox: [verificationEvent('verification.succeeded', next, now)] };
  };
}

/**
 * The operator proved the number on a device that did not carry the starter's session: the verification waits
 * for the starter to present the completion code that device was handed (no webhook: nothing is proved for the
 * starter yet).
 */
export function awaitingCompletion(now: Date, completion: CompletionState, events: VerificationEvent[] = []): VerificationChange {
  return (v) => {
    if (v.status !== 'silent_auth_in_progress' || isPastExpiry(v, now)) return undefined;
    const next: Verification = {
      ...v,
      status: 'awaiting_completion',
      reason: 'other_device',
      completion,
      updatedAt: now.toISOString(),
      events: [...v.events, ...events, event('completion_code_issued', undefined, now)],
    };
    return { next };
  };
}

export function fallbackRequired(now: Date, reason: FallbackReason, detail: Record<string, string | number> = {}, events: VerificationEvent[] = []): VerificationChange {
  return (v) => {
    if (v.status !== 'silent_auth_in_progress' && v.status !== 'pending' && v.status !== 'awaiting_completion') return undefined;
    if (isPastExpiry(v, now)) return undefined;
    const next: Verification = {
      ...v,
      status: 'fallback_required',
      method: 'sms_otp',
      reason,
      completion: undefined,
      updatedAt: now.toISOString(),
      events: [...v.events, ...events, event('fallback_required', { reason, ...detail }, now)],
    };
    return { next };
  };
}

export function failed(now: Date, reason: string, events: VerificationEvent[] = []): VerificationChange {
  return (v) => {
    if (isFinal(v.status)) return undefined;
    const next: Verification = {
      ...v,
      status: 'failed',
      reason,
      updatedAt: now.toISOString(),
      events: [...v.events, ...events, event('failed', { reason }, now)],
    };
    return { next, outbox: [verificationEvent('verification.failed', next, now)] };
  };
}

/**
 * Expires an unfinished verification past its expiresAt. Which ones are announced (WEBHOOK_EXPIRED_EVENTS):
 * - `after_code` (default): only those that reached the code stage, i.e. an SMS code was sent (`otp` is
 *   set; otp_sent, or a later status that waited for the code). A start nobody resumed (the silent leg
 *   abandoned, a fallback never asked for) expires silently: otherwise every abandoned page load would cost
 *   the backend a webhook, and anyone could make the broker send them by loading pages;
 * - `all`: every one, abandoned starts included.
 * Either way the verification itself becomes `expired` and its story says so.
 */
export function expired(now: Date, announce: 'all' | 'after_code'): VerificationChange {
  return (v) => {
    if (isFinal(v.status) || !isPastExpiry(v, now)) return undefined;
    const next: Verification = { ...v, status: 'expired', updatedAt: now.toISOString(), events: [...v.events, event('expired', undefined, now)] };
    // a completion code handed to another device and never presented is worth announcing too (a relay attempt?)
    const reachedCode = v.otp !== undefined || v.status === 'otp_sent' || v.status === 'awaiting_completion';
    if (announce === 'after_code' && !reachedCode) return { next };
    return { next, outbox: [verificationEvent('verification.expired', next, now)] };
  };
}

/** Appends events without changing the status (e.g. "operator redirect followed"). */
export function noted(events: VerificationEvent[], now: Date): VerificationChange {
  return (v) => ({ next: { ...v, updatedAt: now.toISOString(), events: [...v.events, ...events] } });
}

export function isPastExpiry(v: Verification, now: Date): boolean {
  return Date.parse(v.expiresAt) <= now.getTime();
}

export type { OutboxMessage };
