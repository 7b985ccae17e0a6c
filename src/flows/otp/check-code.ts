import type { BrokerDeps } from '../../deps.js';
import { awaitedCode, checkRefusal, codeChecked, isCodeExpired } from '../../domain/lifecycle.js';
import type { Verification } from '../../domain/verification.js';
import { BrokerError, Conflict, InvalidArgument, InvalidOtp, OtpAttemptsExceeded, OtpExpired, SmsUnavailable, VerificationExpired } from '../../errors.js';
import { codeMatches } from '../../otp/code.js';
import { completionCodeMatches, isCompletionCodeShaped } from '../../otp/completion-code.js';
import { issueSessionToken } from '../../tokens/session-token.js';
import { applyTransition, loadOwnedVerification, loadVerification } from '../verifications.js';

export type CheckDeps = Pick<BrokerDeps, 'config' | 'store' | 'metrics' | 'now' | 'sms'>;

/**
 * POST /v1/verifications/{id}/code: the code from the SMS, or the completion code handed to the device that
 * finished the silent leg when it was not the starter's session (complete-silent-auth.ts). Only the session bound
 * to the verification may check (a code alone is not enough: it is bound to the verification, like Cloud
 * Softphone's authToken + PIN). A right code answers the session token.
 */
export async function checkCode(
  deps: CheckDeps & Pick<BrokerDeps, 'keys'>,
  id: string,
  ownerId: string | undefined,
  code: string,
): Promise<{ verification: Verification; sessionToken?: string }> {
  const verification = await checkOwnedCode(deps, await loadOwnedVerification(deps, id, ownerId), code);
  return { verification, sessionToken: await issueSessionToken(deps, verification) };
}

/**
 * Checks a code for a caller that proved ownership (the native session, or a facade's own token).
 *
 * Rules:
 * - input that is not the awaited code's shape (OTP_LENGTH digits; for an upstream engine 4–10 digits; a
 *   completion code's 43 base64url characters) is refused without counting an attempt;
 * - an expired code is refused (410 OTP_EXPIRED) without counting; a resend (or the fallback) gives a new one;
 * - every other check counts, atomically, across instances: OTP_MAX_ATTEMPTS per verification, for either kind;
 *   the last wrong one fails the verification, so concurrent guesses never get more than the allowed attempts;
 * - a right code verifies once (single use).
 */
export async function checkOwnedCode(deps: CheckDeps, current: Verification, code: unknown): Promise<Verification> {
  const now = deps.now();
  const kind = checkable(current, now);
  if (typeof code !== 'string' || !hasShape(deps, kind, code)) throw malformed(deps, kind);
  if (isCodeExpired(current, now)) {
    throw new OtpExpired(kind === 'completion' ? 'The completion code has expired; ask for an SMS code instead (fallback).' : undefined);
  }
  const upstream = kind === 'sms' && deps.config.otp.engine === 'mpass' ? await checkWithMpass(deps, current, code) : undefined;
  const matches = (v: Verification) =>
    kind === 'completion'
      ? completionCodeMatches(deps.sms.codeKey, v.id, code, v.completion!.codeHash)
      : (upstream ?? codeMatches(deps.sms.codeKey, v.id, code, v.otp!.codeHash));
  const result = await applyTransition(deps, current.id, codeChecked(deps.now(), deps.config.otp.maxAttempts, matches));
  if (!result) throw await refusalFor(deps, current.id);
  if (result.status === 'verified') return result;
  const attempts = (kind === 'completion' ? result.completion?.attempts : result.otp?.attempts) ?? deps.config.otp.maxAttempts;
  throw new InvalidOtp(Math.max(0, deps.config.otp.maxAttempts - attempts));
}

/** Which code the verification waits for, or the refusal that says why none (lifecycle.ts checkRefusal). */
function checkable(v: Verification, now: Date): 'sms' | 'completion' {
  switch (checkRefusal(v, now)) {
    case 'attempts_exceeded':
      throw new OtpAttemptsExceeded();
    case 'already_verified':
      throw new Conflict('The verification is already verified.');
    case 'cancelled':
      throw new Conflict('The verification was cancelled.');
    case 'expired':
      throw new VerificationExpired();
    case 'no_code':
      throw new Conflict('No code has been sent for this verification.');
  }
  return awaitedCode(v, now)!;
}

function hasShape(deps: CheckDeps, kind: 'sms' | 'completion', code: string): boolean {
  if (kind === 'completion') return isCompletionCodeShaped(code);
  const { engine, length } = deps.config.otp;
  return engine === 'local' ? new RegExp(`^\\d{${length}}$`).test(code) : /^\d{4,10}$/.test(code);
}

function malformed(deps: CheckDeps, kind: 'sms' | 'completion'): InvalidArgument {
  if (kind === 'completion') return new InvalidArgument('code must be the completion code handed to the device that finished the verification.');
  const { engine, length } = deps.config.otp;
  return new InvalidArgument(`code must be the ${engine === 'local' ? `${length}-digit ` : ''}code from the SMS.`);
}

/** after a declined attempt (a race), the answer is what the latest state says */
async function refusalFor(deps: CheckDeps, id: string): Promise<BrokerError> {
  const latest = await loadVerification(deps, id);
  try {
    if (latest) checkable(latest, deps.now());
  } catch (err) {
    return err as BrokerError;
  }
  return new Conflict('The verification changed; read it again.');
}

async function checkWithMpass(deps: CheckDeps, v: Verification, code: string): Promise<boolean> {
  const outcome = await deps.sms.mpass!.checkCode({ to: v.phoneNumber, code, app: v.otp?.app });
  if (outcome === 'accepted') return true;
  if (outcome === 'rejected') return false;
  if (outcome === 'expired') throw new OtpExpired();
  throw new SmsUnavailable('checked');
}
