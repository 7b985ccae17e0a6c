/**
 * The verification lifecycle: its statuses, the only transitions between them, and every guard a flow or a
 * facade asks ("can it take a code?", "can a code be sent?", "who owns it?"). Nothing else decides a status:
 * flows apply these transitions through the store, which runs them atomically (a transition is pure, and
 * declines — returns undefined — when the verification is not in a status it may leave, so a late, repeated or
 * raced call changes nothing).
 *
 * Rules:
 * - a verification starts `silent_auth_in_progress` (an operator's authorization request is out),
 *   `awaiting_credential` (issue 18: an OpenID4VP request for the carrier's TS.43 credential is out) or
 *   `fallback_required` (WiFi, no operator, the operator unreachable, or a caller that cannot follow redirects);
 * - `awaiting_credential` is the digital-credential leg, on any network: its nonce (kept as a keyed hash) is consumed
 *   by the first presentation, right or wrong (`credentialPresented`, the status unchanged while the aggregator is
 *   asked); → `verified` (method digital_credential) when the aggregator's token proves the number; →
 *   `fallback_required` when the presentation is invalid, refused, for another number, or the starter moves on
 *   (/fallback, /next), like the silent leg: the guards treat it as one (fallbackStep `leave_silent`);
 * - `silent_auth_in_progress` → `verified` when the operator proved the number on the device of the session that
 *   asked; → `awaiting_completion` when it proved it on another device, which got the completion code;
 *   → `fallback_required` when it did not prove it (or the starter gave up);
 * - `awaiting_completion` → `verified` with the right completion code; → `fallback_required` when the starter
 *   asks for SMS instead;
 * - `fallback_required` | `otp_sent` → `otp_sent` when a code is sent (at most OTP_MAX_SENDS, one per
 *   OTP_RESEND_COOLDOWN_SECONDS); a send every provider refused gives the previous state back;
 * - `otp_sent` | `awaiting_completion` → `verified` with the right code; → `failed` (too_many_attempts) with the
 *   OTP_MAX_ATTEMPTS-th wrong one; malformed or expired codes do not count;
 * - any unfinished status → `expired` once `expiresAt` has passed;
 * - any unfinished status → `cancelled` when its starter cancels it (DELETE);
 * - a verification an application started with a workflow (issue 14): its silent leg ends at the workflow's
 *   `timeoutSeconds` (→ `fallback_required`, reason `silent_timeout`), and it takes the SMS leg only when the
 *   workflow has `sms`;
 * - a fraud signal (issue 17: SIM Swap, Number Recycling) whose policy says `block` ends an unfinished verification
 *   `failed` with reason SIM_SWAPPED, SIM_SWAP_UNKNOWN or NUMBER_RECYCLED, before any code is sent or instead of
 *   `verified` on the silent path; the signals checked are recorded on it (`risk`) whatever they decided;
 * - `verified`, `failed`, `expired` and `cancelled` are final; `verified`, `failed` and `cancelled` write their
 *   webhook event to the outbox in the same transaction, `expired` too when it reached a code
 *   (WEBHOOK_EXPIRED_EVENTS).
 *
 *   silent_auth_in_progress ─► verified
 *      │        ├──► awaiting_completion ─► verified
 *      │        │           │
 *      │        └───────────┴──► fallback_required ─► otp_sent ─► verified | failed
 *      └─────────────────────────────▲ (WiFi, no operator)
 *   awaiting_credential ─► verified  │ (digital credential, issue 18)
 *      └─────────────────────────────┘ (invalid, refused, mismatch, /fallback, /next)
 *   any unfinished status ─► expired | cancelled
 */
import type { FallbackReason } from '../operator/failure.js';
import type { OutboxMessage } from '../store/store.js';
import { verificationEvent } from '../webhooks/events.js';
import { event, type Channel, type CompletionState, type CredentialState, type OtpState, type RiskRefusal, type RiskSignals, type Verification, type VerificationEvent } from './verification.js';

export type VerificationStatus =
  | 'pending'
  | 'silent_auth_in_progress'
  | 'awaiting_completion'
  /** issue 18: the OpenID4VP request for the carrier's TS.43 credential is out; not final, it expires */
  | 'awaiting_credential'
  | 'verified'
  | 'fallback_required'
  | 'otp_sent'
  | 'failed'
  | 'expired'
  | 'cancelled';

export const FINAL_STATUSES: readonly VerificationStatus[] = ['verified', 'failed', 'expired', 'cancelled'];

/** The reason a verification failed after too many wrong codes (its own refusal: OTP_ATTEMPTS_EXCEEDED). */
export const TOO_MANY_ATTEMPTS = 'too_many_attempts';

/** A transition: pure, computed from the latest record; undefined when the verification may not take it. */
export type Transition = (current: Verification) => { next: Verification; outbox?: OutboxMessage[] } | undefined;

// ── guards ────────────────────────────────────────────────────────────────────────────────────────────────

export function isFinal(status: VerificationStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

export function isPastExpiry(v: Verification, now: Date): boolean {
  return Date.parse(v.expiresAt) <= now.getTime();
}

/** The session (or facade token, or WSO2 user) that started it is the only one that may read or finish it. */
export function isOwnedBy(v: Verification, ownerId: string | undefined): boolean {
  return ownerId !== undefined && v.ownerId === ownerId;
}

/** Whether the verification waits for a presentation of the carrier's credential (issue 18) whose nonce is unused. */
export function awaitsCredential(v: Verification): boolean {
  return v.status === 'awaiting_credential' && Boolean(v.credential?.nonceHash);
}

export type CredentialRefusal = 'expired' | 'not_awaited' | 'already_presented';

/** Whether a presentation of the carrier's credential may be made now, or why not. */
export function credentialRefusal(v: Verification, now: Date): CredentialRefusal | undefined {
  if (v.status === 'expired' || (v.status === 'awaiting_credential' && isPastExpiry(v, now))) return 'expired';
  if (v.status !== 'awaiting_credential') return 'not_awaited';
  return awaitsCredential(v) ? undefined : 'already_presented';
}

/**
 * An outcome of the digital-credential leg (verified, fallback, a risk refusal), applied only while the leg is open:
 * `verified` alone would also take a verification the starter has meanwhile moved to SMS (/next) or cancelled.
 */
export function onCredentialLeg(transition: Transition): Transition {
  return (v) => (v.status === 'awaiting_credential' ? transition(v) : undefined);
}

/** Whether the verification waits for the operator to send the device back to /callback. */
export function awaitsOperator(v: Verification): boolean {
  return v.status === 'silent_auth_in_progress';
}

/** Whether the verification may take the SMS leg: always, unless an application's workflow leaves `sms` out. */
export function allowsSms(v: Verification): boolean {
  return !v.backend || v.backend.workflow.includes('sms');
}

/** Whether the silent leg of an application's workflow has run past its `timeoutSeconds`. */
export function isSilentLegOver(v: Verification, now: Date): boolean {
  const deadline = v.backend?.silentDeadline;
  return awaitsOperator(v) && deadline !== undefined && Date.parse(deadline) <= now.getTime();
}

/** Which kind of code the verification's status waits for, whatever the clock says. */
export function codeKind(v: Verification): 'sms' | 'completion' | undefined {
  if (v.status === 'otp_sent' && v.otp) return 'sms';
  if (v.status === 'awaiting_completion' && v.completion) return 'completion';
  return undefined;
}

/** Which code, if any, the verification waits for now. */
export function awaitedCode(v: Verification, now: Date): 'sms' | 'completion' | undefined {
  return isPastExpiry(v, now) ? undefined : codeKind(v);
}

export type CheckRefusal = 'attempts_exceeded' | 'already_verified' | 'cancelled' | 'expired' | 'no_code';

/** Whether a code (of either kind) may be checked now, or why not. */
export function checkRefusal(v: Verification, now: Date): CheckRefusal | undefined {
  if (v.status === 'failed' && v.reason === TOO_MANY_ATTEMPTS) return 'attempts_exceeded';
  if (v.status === 'verified') return 'already_verified';
  if (v.status === 'cancelled') return 'cancelled';
  if (v.status === 'expired' || isPastExpiry(v, now)) return 'expired';
  return awaitedCode(v, now) ? undefined : 'no_code';
}

/** Whether the verification's code (of either kind) is past its own expiry. */
export function isCodeExpired(v: Verification, now: Date): boolean {
  const expiresAt = v.status === 'awaiting_completion' ? v.completion?.expiresAt : v.otp?.expiresAt;
  return expiresAt !== undefined && Date.parse(expiresAt) <= now.getTime();
}

export type SendRefusal =
  | { refusal: 'expired' }
  | { refusal: 'not_waiting_for_sms'; status: VerificationStatus }
  | { refusal: 'not_in_workflow' }
  | { refusal: 'max_sends'; retryAfterSeconds: number }
  | { refusal: 'cooldown'; retryAfterSeconds: number };

/** Whether a code may be sent now (first send or resend), or why not. */
export function sendRefusal(v: Verification, now: Date, limits: { maxSends: number; resendCooldownSeconds: number }): SendRefusal | undefined {
  if (isPastExpiry(v, now)) return { refusal: 'expired' };
  if (v.status !== 'fallback_required' && v.status !== 'otp_sent') return { refusal: 'not_waiting_for_sms', status: v.status };
  if (!allowsSms(v)) return { refusal: 'not_in_workflow' };
  if (v.otp && v.otp.sends >= limits.maxSends) return { refusal: 'max_sends', retryAfterSeconds: (Date.parse(v.expiresAt) - now.getTime()) / 1000 };
  const wait = v.otp ? Date.parse(v.otp.lastSentAt) + limits.resendCooldownSeconds * 1000 - now.getTime() : 0;
  if (wait > 0) return { refusal: 'cooldown', retryAfterSeconds: wait / 1000 };
  return undefined;
}

/**
 * The channel a verification is on now (an application's workflow, issue 14): `digital_credential` while a
 * presentation is awaited (issue 18), `silent_auth` while the operator's answer or the completion code is awaited,
 * `sms` once the SMS leg is due or a code is out; none when finished.
 */
export function currentChannel(v: Verification): Channel | undefined {
  if (isFinal(v.status)) return undefined;
  if (v.status === 'awaiting_credential') return 'digital_credential';
  return fallbackStep(v) === 'leave_silent' ? 'silent_auth' : 'sms';
}

/**
 * What asking for the SMS leg does to it now: leave the silent leg (or the digital-credential leg, which ends the
 * same way) first, send at once, or nothing (a code is out).
 */
export function fallbackStep(v: Verification): 'leave_silent' | 'send' | 'already_sent' | 'finished' {
  if (v.status === 'pending' || v.status === 'silent_auth_in_progress' || v.status === 'awaiting_completion' || v.status === 'awaiting_credential') return 'leave_silent';
  if (v.status === 'fallback_required') return 'send';
  if (v.status === 'otp_sent') return 'already_sent';
  return 'finished';
}

// ── how a verification starts ──────────────────────────────────────────────────────────────────────────

/** A new record (status `pending`) whose operator's authorization request is out. `events`: who asked, first. */
export function startedSilent(v: Verification, operatorId: string, now: Date, events: VerificationEvent[] = []): Verification {
  return { ...v, status: 'silent_auth_in_progress', operatorId, events: [...v.events, ...events, event('operator_redirect', { operator: operatorId }, now)] };
}

/** A new record (status `pending`) whose OpenID4VP request for the carrier's credential is out (issue 18). */
export function startedAwaitingCredential(v: Verification, operatorId: string, credential: CredentialState, now: Date, events: VerificationEvent[] = []): Verification {
  return {
    ...v,
    status: 'awaiting_credential',
    method: 'digital_credential',
    operatorId,
    credential,
    events: [...v.events, ...events, event('credential_requested', { operator: operatorId, vct: credential.vct }, now)],
  };
}

/** A new record that starts on the SMS leg: WiFi, no operator, discovery failed, or a caller without redirects. */
export function startedOnSms(v: Verification, reason: string, detail: Record<string, string | number>, now: Date, events: VerificationEvent[] = []): Verification {
  return { ...v, status: 'fallback_required', method: 'sms_otp', reason, events: [...v.events, ...events, event('fallback_required', { reason, ...detail }, now)] };
}

// ── transitions ───────────────────────────────────────────────────────────────────────────────────────────

export function verified(now: Date, method: Verification['method'], events: VerificationEvent[] = []): Transition {
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
      credential: undefined,
      ...(v.otp && { otp: { ...v.otp, codeHash: '' } }),
      events: [...v.events, ...events, event('verified', { method }, now)],
    };
    return { next, outbox: [verificationEvent('verification.succeeded', next, now)] };
  };
}

/** The operator proved the number on a device that is not the starter's session: wait for its completion code. */
export function awaitingCompletion(now: Date, completion: CompletionState, events: VerificationEvent[] = []): Transition {
  return (v) => {
    if (!awaitsOperator(v) || isPastExpiry(v, now)) return undefined;
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

export function fallbackRequired(now: Date, reason: FallbackReason, detail: Record<string, string | number> = {}, events: VerificationEvent[] = []): Transition {
  return (v) => {
    if (fallbackStep(v) !== 'leave_silent' || isPastExpiry(v, now)) return undefined;
    const next: Verification = {
      ...v,
      status: 'fallback_required',
      method: 'sms_otp',
      reason,
      completion: undefined,
      credential: undefined,
      updatedAt: now.toISOString(),
      events: [...v.events, ...events, event('fallback_required', { reason, ...detail }, now)],
    };
    return { next };
  };
}

/**
 * A presentation of the carrier's credential arrived (issue 18): its nonce is consumed, right or wrong, so no
 * presentation is ever checked twice; the status stays `awaiting_credential` while the broker checks it and asks the
 * aggregator. Declines when the nonce was already consumed (a replay, a concurrent presentation) or it has expired.
 */
export function credentialPresented(now: Date): Transition {
  return (v) => {
    if (!awaitsCredential(v) || isPastExpiry(v, now)) return undefined;
    const next: Verification = { ...v, credential: { ...v.credential!, nonceHash: '' }, updatedAt: now.toISOString(), events: [...v.events, event('credential_presented', undefined, now)] };
    return { next };
  };
}

/** A send is reserved: the new code's state replaces the previous one (attempts carry over: a resend buys no guesses). */
export function codeReserved(now: Date, otp: OtpState, limits: { maxSends: number; resendCooldownSeconds: number }): Transition {
  return (v) => {
    if (sendRefusal(v, now, limits)) return undefined; // another request changed it first (double click, another instance)
    return { next: { ...v, status: 'otp_sent', method: 'sms_otp', otp, updatedAt: now.toISOString() } };
  };
}

/** Every provider refused the send reserved at `sentAt`: the previous state comes back, the send is not counted. */
export function sendGivenBack(now: Date, sentAt: string, previous: Pick<Verification, 'status' | 'otp'>): Transition {
  return (v) =>
    v.otp?.lastSentAt !== sentAt
      ? undefined
      : { next: { ...v, status: previous.status, otp: previous.otp, updatedAt: now.toISOString(), events: [...v.events, event('sms_failed', undefined, now)] } };
}

/**
 * One counted check of a code of either kind. `matches` says whether the guess is right for this verification
 * (the caller hashes it, or asks an upstream OTP service); the OTP_MAX_ATTEMPTS-th wrong one fails it.
 */
export function codeChecked(now: Date, maxAttempts: number, matches: (v: Verification) => boolean): Transition {
  return (v) => {
    const kind = awaitedCode(v, now);
    if (!kind) return undefined;
    const state = kind === 'sms' ? v.otp! : v.completion!;
    if (state.attempts >= maxAttempts) return undefined;
    const match = matches(v);
    const attempts = state.attempts + 1;
    const counted = kind === 'sms' ? { ...v, otp: { ...v.otp!, attempts } } : { ...v, completion: { ...v.completion!, attempts } };
    const checked = event(kind === 'sms' ? 'code_checked' : 'completion_code_checked', { result: match ? 'match' : 'mismatch', attempt: attempts }, now);
    if (match) return verified(now, kind === 'sms' ? 'sms_otp' : 'silent_auth', [checked])(counted);
    if (attempts >= maxAttempts) return failed(now, TOO_MANY_ATTEMPTS, [checked])({ ...counted, completion: undefined });
    return { next: { ...counted, updatedAt: now.toISOString(), events: [...v.events, checked] } };
  };
}

export function failed(now: Date, reason: string, events: VerificationEvent[] = []): Transition {
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
 * `announce`: which expired verifications send `verification.expired` (WEBHOOK_EXPIRED_EVENTS). With
 * `after_code`, only those that reached a code (an SMS code sent, or a completion code handed to a device that
 * never came back with it: a relay attempt?); an abandoned start expires silently.
 */
export function expired(now: Date, announce: 'all' | 'after_code'): Transition {
  return (v) => {
    if (isFinal(v.status) || !isPastExpiry(v, now)) return undefined;
    const next: Verification = { ...v, status: 'expired', updatedAt: now.toISOString(), events: [...v.events, event('expired', undefined, now)] };
    const reachedCode = v.otp !== undefined || v.status === 'otp_sent' || v.status === 'awaiting_completion';
    if (announce === 'after_code' && !reachedCode) return { next };
    return { next, outbox: [verificationEvent('verification.expired', next, now)] };
  };
}

/** The starter cancelled it (DELETE): final, and announced with `verification.cancelled`. */
export function cancelled(now: Date): Transition {
  return (v) => {
    if (isFinal(v.status)) return undefined;
    const next: Verification = {
      ...v,
      status: 'cancelled',
      reason: 'cancelled',
      completion: undefined,
      credential: undefined,
      ...(v.otp && { otp: { ...v.otp, codeHash: '' } }),
      updatedAt: now.toISOString(),
      events: [...v.events, event('cancelled', undefined, now)],
    };
    return { next, outbox: [verificationEvent('verification.cancelled', next, now)] };
  };
}

/**
 * The fraud signals checked (issue 17) recorded on the verification, then `then` (verified, awaitingCompletion,
 * failed) applied to the record that holds them, so its webhook event carries them. Declines when `then` does.
 */
export function withRisk(risk: RiskSignals | undefined, then: Transition): Transition {
  return risk ? (v) => then({ ...v, risk: { ...v.risk, ...risk } }) : then;
}

/** The fraud signals checked recorded on an unfinished verification, with their events, its status unchanged. */
export function riskNoted(now: Date, risk: RiskSignals, events: VerificationEvent[]): Transition {
  return (v) => (isFinal(v.status) ? undefined : { next: { ...v, risk: { ...v.risk, ...risk }, updatedAt: now.toISOString(), events: [...v.events, ...events] } });
}

/** A fraud signal's policy said `block`: the verification fails with that reason, the signals on it (verification.failed). */
export function refusedForRisk(now: Date, reason: RiskRefusal, risk: RiskSignals, events: VerificationEvent[] = []): Transition {
  return withRisk(risk, failed(now, reason, events));
}

/** Appends events without changing the status (e.g. "SMS refused by a limit"). */
export function noted(events: VerificationEvent[], now: Date): Transition {
  return (v) => ({ next: { ...v, updatedAt: now.toISOString(), events: [...v.events, ...events] } });
}
