import type { BrokerDeps } from '../../deps.js';
import { awaitedCode, checkRefusal, codeChecked, isCodeExpired } from '../../domain/lifecycle.js';
import type { Verification } from '../../domain/verification.js';
import { BrokerError, Conflict, InvalidArgument, InvalidOtp, OtpAttemptsExceeded, OtpExpired, SmsUnavailable, VerificationExpired } from '../../errors.js';
import { camaraOtpOperatorId, isOperatorCodeShaped } from '../../otp/camara-otp.js';
import { codeMatches } from '../../otp/code.js';
import { completionCodeMatches, isCompletionCodeShaped } from '../../otp/completion-code.js';
import { SmsProviderFailed } from '../../otp/sms/index.js';
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
 * - input that is not the awaited code's shape (OTP_LENGTH digits; for mPass 4–10 digits; for an operator's
 *   One Time Password SMS 1–10 letters or digits, as typed; a completion code's 43 base64url characters) is
 *   refused without counting an attempt;
 * - an expired code is refused (410 OTP_EXPIRED) without counting; a resend (or the fallback) gives a new one;
 *   so is one the upstream calls expired;
 * - every other check counts, atomically, across instances: OTP_MAX_ATTEMPTS per verification, for either kind;
 *   the last wrong one fails the verification, so concurrent guesses never get more than the allowed attempts;
 *   an operator that takes no more codes for its authenticationId (VERIFICATION_FAILED) makes that wrong one
 *   the last;
 * - an upstream that cannot answer (503 SMS_UNAVAILABLE) costs no attempt;
 * - a right code verifies once (single use).
 */
export async function checkOwnedCode(deps: CheckDeps, current: Verification, code: unknown): Promise<Verification> {
  const now = deps.now();
  const kind = checkable(current, now);
  const engine = kind === 'sms' ? smsEngineOf(deps, current) : undefined;
  if (typeof code !== 'string' || !hasShape(deps, kind, engine, code)) throw malformed(deps, kind, engine);
  if (isCodeExpired(current, now)) {
    throw new OtpExpired(kind === 'completion' ? 'The completion code has expired; ask for an SMS code instead (fallback).' : undefined);
  }
  const upstream = engine === 'mpass' ? await checkWithMpass(deps, current, code) : engine === 'camara-otp' ? await checkWithOperator(deps, current, code) : undefined;
  const matches = (v: Verification) =>
    kind === 'completion'
      ? completionCodeMatches(deps.sms.codeKey, v.id, code, v.completion!.codeHash)
      : upstream !== undefined
        ? upstream === true
        : codeMatches(deps.sms.codeKey, v.id, code, v.otp!.codeHash);
  const { maxAttempts } = deps.config.otp;
  const check = codeChecked(deps.now(), maxAttempts, matches);
  // the operator refuses any further code for this authenticationId: this wrong one is the last
  const last: typeof check = (v) => codeChecked(deps.now(), Math.min(maxAttempts, (v.otp?.attempts ?? 0) + 1), matches)(v);
  const result = await applyTransition(deps, current.id, upstream === 'failed' ? last : check);
  if (!result) throw await refusalFor(deps, current.id);
  if (result.status === 'verified') return result;
  const attempts = (kind === 'completion' ? result.completion?.attempts : result.otp?.attempts) ?? maxAttempts;
  throw new InvalidOtp(result.status === 'failed' ? 0 : Math.max(0, maxAttempts - attempts));
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

type SmsEngine = 'local' | 'mpass' | 'camara-otp';

/** who made this verification's SMS code: under camara-otp, a number no operator with `otpSms` serves got a local one */
function smsEngineOf(deps: CheckDeps, v: Verification): SmsEngine {
  if (camaraOtpOperatorId(v.otp)) return 'camara-otp';
  return deps.config.otp.engine === 'mpass' ? 'mpass' : 'local';
}

function hasShape(deps: CheckDeps, kind: 'sms' | 'completion', engine: SmsEngine | undefined, code: string): boolean {
  if (kind === 'completion') return isCompletionCodeShaped(code);
  if (engine === 'camara-otp') return isOperatorCodeShaped(code);
  return engine === 'local' ? new RegExp(`^\\d{${deps.config.otp.length}}$`).test(code) : /^\d{4,10}$/.test(code);
}

function malformed(deps: CheckDeps, kind: 'sms' | 'completion', engine: SmsEngine | undefined): InvalidArgument {
  if (kind === 'completion') return new InvalidArgument('code must be the completion code handed to the device that finished the verification.');
  if (engine === 'camara-otp') return new InvalidArgument('code must be the code from the SMS: up to 10 letters and digits.');
  return new InvalidArgument(`code must be the ${engine === 'local' ? `${deps.config.otp.length}-digit ` : ''}code from the SMS.`);
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

/**
 * One Time Password SMS: the operator that sent the code checks it (otp/camara-otp.ts). `failed`: wrong, and the
 * operator takes no more codes for this authenticationId.
 */
async function checkWithOperator(deps: CheckDeps, v: Verification, code: string): Promise<boolean | 'failed'> {
  const authenticationId = v.otp?.authenticationId;
  // reserved but the operator has not answered the send yet: there is no code to check
  if (!authenticationId) throw new Conflict('The code is still being sent; try again in a moment.');
  // OTP_ENGINE changed since the send: that code cannot be checked any more, a resend makes one the new way
  if (!deps.sms.camaraOtp) throw new OtpExpired();
  let outcome;
  try {
    outcome = await deps.sms.camaraOtp.validateCode(camaraOtpOperatorId(v.otp)!, { authenticationId, code });
  } catch (err) {
    if (err instanceof SmsProviderFailed) throw new SmsUnavailable('checked');
    throw err;
  }
  if (outcome === 'valid') return true;
  if (outcome === 'invalid') return false;
  if (outcome === 'failed') return 'failed';
  throw new OtpExpired();
}
