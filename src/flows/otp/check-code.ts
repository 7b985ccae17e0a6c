import type { BrokerDeps } from '../../deps.js';
import { event, type Verification } from '../../domain/verification.js';
import { BrokerError, Conflict, InvalidArgument, NotFound, PermissionDenied, VerificationExpired } from '../../errors.js';
import { codeMatches } from '../../otp/code.js';
import { completionCodeMatches, isCompletionCodeShaped } from '../../otp/completion-code.js';
import type { VerificationChange } from '../../store/store.js';
import { failed, isPastExpiry, verified } from '../outcomes.js';

export const TOO_MANY_ATTEMPTS = 'too_many_attempts';

/**
 * Checks a one-time code: the code from the SMS, or the completion code handed to the device that finished the
 * silent leg when it was not the starter's session (see complete-silent-auth.ts).
 *
 * Rules:
 * - only the session bound to the verification may check (a code alone is not enough: it is bound to
 *   the verification, like Cloud Softphone's authToken + PIN);
 * - input that is not OTP_LENGTH digits is refused without counting an attempt;
 * - an expired code is refused (410 OTP_EXPIRED) without counting; a resend gives a new one;
 * - every other check counts, atomically, across instances: OTP_MAX_ATTEMPTS per verification; the last
 *   wrong one fails the verification, so concurrent guesses never get more than the allowed attempts;
 * - a right code verifies once (single use): the verification leaves otp_sent (or awaiting_completion);
 * - a completion code follows the same rules: malformed input does not count, expired is 410, every other
 *   check counts against the same OTP_MAX_ATTEMPTS.
 */
export async function checkCode(deps: BrokerDeps, id: string, ownerId: string | undefined, code: unknown): Promise<Verification> {
  const current = await deps.store.getVerification(id);
  if (!current) throw new NotFound('The verification does not exist.');
  if (!ownerId || current.ownerId !== ownerId) throw new PermissionDenied('This verification belongs to another session.');
  return checkOwnedCode(deps, current, code);
}

/** The same check for callers that proved ownership another way (a facade's token). */
export async function checkOwnedCode(deps: BrokerDeps, current: Verification, code: unknown): Promise<Verification> {
  const { length, maxAttempts, engine } = deps.config.otp;
  checkCheckable(deps, current);
  if (current.status === 'awaiting_completion') return checkCompletionCode(deps, current, code);
  if (typeof code !== 'string' || (engine === 'local' && !new RegExp(`^\\d{${length}}$`).test(code)) || !/^\d{4,10}$/.test(code)) {
    throw new InvalidArgument(`code must be the ${engine === 'local' ? `${length}-digit ` : ''}code from the SMS.`);
  }
  if (Date.parse(current.otp!.expiresAt) <= deps.now().getTime()) {
    throw new BrokerError(410, 'OTP_EXPIRED', 'The code has expired; ask for a new one.');
  }

  const matches = engine === 'mpass' ? await checkWithMpass(deps, current, code) : undefined;
  const now = deps.now();
  const result = await deps.store.updateVerification(current.id, attempt(deps, now, code, matches));
  if (!result) throw await refusalFor(deps, current.id);
  if (result.status === 'verified') return result;
  throw new BrokerError(400, 'INVALID_OTP', 'The code is not correct.', {
    details: { attemptsRemaining: Math.max(0, maxAttempts - result.otp!.attempts) },
  });
}

function attempt(deps: BrokerDeps, now: Date, code: string, upstreamMatch: boolean | undefined): VerificationChange {
  const { maxAttempts } = deps.config.otp;
  return (v) => {
    if (v.status !== 'otp_sent' || !v.otp || v.otp.attempts >= maxAttempts || isPastExpiry(v, now)) return undefined;
    const match = upstreamMatch ?? codeMatches(deps.sms.codeKey, v.id, code, v.otp.codeHash);
    const otp = { ...v.otp, attempts: v.otp.attempts + 1 };
    const checked = event('code_checked', { result: match ? 'match' : 'mismatch', attempt: otp.attempts }, now);
    if (match) return verified(now, 'sms_otp', [checked])({ ...v, otp: { ...otp, codeHash: '' } });
    if (otp.attempts >= maxAttempts) return failed(now, TOO_MANY_ATTEMPTS, [checked])({ ...v, otp });
    return { next: { ...v, otp, updatedAt: now.toISOString(), events: [...v.events, checked] } };
  };
}

async function checkCompletionCode(deps: BrokerDeps, current: Verification, code: unknown): Promise<Verification> {
  if (typeof code !== 'string' || !isCompletionCodeShaped(code)) {
    throw new InvalidArgument('code must be the completion code handed to the device that finished the verification.');
  }
  if (Date.parse(current.completion!.expiresAt) <= deps.now().getTime()) {
    throw new BrokerError(410, 'OTP_EXPIRED', 'The completion code has expired; ask for an SMS code instead (fallback).');
  }
  const now = deps.now();
  const result = await deps.store.updateVerification(current.id, completionAttempt(deps, now, code));
  if (!result) throw await refusalFor(deps, current.id);
  if (result.status === 'verified') return result;
  throw new BrokerError(400, 'INVALID_OTP', 'The code is not correct.', {
    details: { attemptsRemaining: Math.max(0, deps.config.otp.maxAttempts - (result.completion?.attempts ?? deps.config.otp.maxAttempts)) },
  });
}

function completionAttempt(deps: BrokerDeps, now: Date, code: string): VerificationChange {
  const { maxAttempts } = deps.config.otp;
  return (v) => {
    if (v.status !== 'awaiting_completion' || !v.completion || v.completion.attempts >= maxAttempts || isPastExpiry(v, now)) return undefined;
    const match = completionCodeMatches(deps.sms.codeKey, v.id, code, v.completion.codeHash);
    const completion = { ...v.completion, attempts: v.completion.attempts + 1 };
    const checked = event('completion_code_checked', { result: match ? 'match' : 'mismatch', attempt: completion.attempts }, now);
    if (match) return verified(now, 'silent_auth', [checked])(v);
    if (completion.attempts >= maxAttempts) return failed(now, TOO_MANY_ATTEMPTS, [checked])({ ...v, completion: undefined });
    return { next: { ...v, completion, updatedAt: now.toISOString(), events: [...v.events, checked] } };
  };
}

function checkCheckable(deps: BrokerDeps, v: Verification): void {
  if (v.status === 'failed' && v.reason === TOO_MANY_ATTEMPTS) {
    throw new BrokerError(403, 'OTP_ATTEMPTS_EXCEEDED', 'Too many wrong codes; start a new verification.');
  }
  if (v.status === 'verified') throw new Conflict('The verification is already verified.');
  if (v.status === 'expired' || isPastExpiry(v, deps.now())) throw new VerificationExpired();
  if (v.status === 'awaiting_completion' && v.completion) return;
  if (v.status !== 'otp_sent' || !v.otp) throw new Conflict('No code has been sent for this verification.');
}

/** after a declined attempt (a race), the answer is what the latest state says */
async function refusalFor(deps: BrokerDeps, id: string): Promise<BrokerError> {
  const latest = await deps.store.getVerification(id);
  try {
    if (latest) checkCheckable(deps, latest);
  } catch (err) {
    return err as BrokerError;
  }
  return new Conflict('The verification changed; read it again.');
}

async function checkWithMpass(deps: BrokerDeps, v: Verification, code: string): Promise<boolean> {
  const outcome = await deps.sms.mpass!.checkCode({ to: v.phoneNumber, code, app: v.otp?.app });
  if (outcome === 'accepted') return true;
  if (outcome === 'rejected') return false;
  if (outcome === 'expired') throw new BrokerError(410, 'OTP_EXPIRED', 'The code has expired; ask for a new one.');
  throw new BrokerError(503, 'SMS_UNAVAILABLE', 'The code could not be checked right now; try again shortly.');
}
