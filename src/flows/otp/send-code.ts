import type { BrokerDeps } from '../../deps.js';
import { event, type OtpState, type Verification } from '../../domain/verification.js';
import { BrokerError, Conflict, InvalidArgument, NotFound, TooManyRequests, VerificationExpired } from '../../errors.js';
import { generateCode, hashCode } from '../../otp/code.js';
import { chooseLanguage, renderOtpMessage } from '../../otp/messages.js';
import { AllSmsProvidersFailed, SmsProviderFailed, sendWithFailover } from '../../otp/sms/index.js';
import type { Metrics } from '../../metrics/index.js';
import { canReceiveSms, maskPhoneNumber } from '../../phone.js';
import { isPastExpiry, noted } from '../outcomes.js';

export interface SendContext {
  clientIp: string;
  /** shown in the message when given (mPass `app`, Cloud Softphone appid) */
  app?: string;
}

/**
 * Sends a new one-time code for a verification that needs the SMS leg (first send or resend).
 *
 * Rules:
 * - only a verification in fallback_required or otp_sent, not expired, can be sent a code;
 * - at most OTP_MAX_SENDS sends per verification, and OTP_RESEND_COOLDOWN_SECONDS between two → 429;
 * - the fraud limits (SmsLimits) are taken before sending; a refusal is recorded as an event and sends nothing;
 * - the new code replaces the previous one and is stored only as its HMAC, bound to the verification id;
 *   the check-attempt counter is per verification, so a resend does not buy more guesses;
 * - if every provider fails, the previous state comes back, the send is not counted, and the answer is 503.
 */
export async function sendCode(deps: BrokerDeps, id: string, ctx: SendContext): Promise<Verification> {
  const { otp: settings } = deps.config;
  const before = await deps.store.getVerification(id);
  if (!before) throw new NotFound('The verification does not exist.');
  checkSendable(deps, before, deps.metrics);
  if (!canReceiveSms(before.phoneNumber)) {
    // a landline (a +34 91 number got a text): nothing can arrive, and sending costs money
    await deps.store.updateVerification(id, noted([event('sms_refused', { code: 'NOT_A_MOBILE_NUMBER' }, deps.now())], deps.now()));
    throw new InvalidArgument('This number is a landline, which cannot receive a code by SMS. Use a mobile number.');
  }

  let reservation: { release(): Promise<void> };
  try {
    reservation = await deps.sms.limits.reserve(before.phoneNumber, ctx.clientIp);
  } catch (err) {
    if (err instanceof BrokerError) await deps.store.updateVerification(id, noted([event('sms_refused', { code: err.code }, deps.now())], deps.now()));
    if (err instanceof BrokerError && err.code === 'SMS_BUDGET_EXHAUSTED') deps.logger.error({ verificationId: id }, 'daily SMS budget exhausted: SMS sends are refused');
    throw err;
  }

  const now = deps.now();
  const code = settings.engine === 'local' ? generateCode(settings.length) : '';
  const otp: OtpState = {
    codeHash: code ? hashCode(deps.sms.codeKey, id, code) : '',
    expiresAt: new Date(now.getTime() + settings.ttlSeconds * 1000).toISOString(),
    attempts: before.otp?.attempts ?? 0,
    sends: (before.otp?.sends ?? 0) + 1,
    lastSentAt: now.toISOString(),
    ...(settings.engine === 'mpass' && { provider: 'mpass' }),
    ...(ctx.app && { app: ctx.app }),
  };
  const reserved = await deps.store.updateVerification(id, (v) => {
    try {
      checkSendable(deps, v);
    } catch {
      return undefined; // another request changed it first (double click, another instance)
    }
    return { next: { ...v, status: 'otp_sent', method: 'sms_otp', otp, updatedAt: now.toISOString() } };
  });
  if (!reserved) {
    await reservation.release();
    deps.metrics.rateLimitRefused('resend_cooldown');
    throw new TooManyRequests('A code was just sent; wait before asking for another.', settings.resendCooldownSeconds || 1);
  }

  try {
    const provider = await deliver(deps, reserved, code, ctx);
    return (await deps.store.updateVerification(id, noted([event('otp_sent', { provider, send: otp.sends }, deps.now())], deps.now())))!;
  } catch (err) {
    await reservation.release();
    const failedAt = deps.now();
    await deps.store.updateVerification(id, (v) =>
      v.otp?.lastSentAt !== otp.lastSentAt
        ? undefined
        : { next: { ...v, status: before.status, otp: before.otp, updatedAt: failedAt.toISOString(), events: [...v.events, event('sms_failed', undefined, failedAt)] } },
    );
    if (err instanceof AllSmsProvidersFailed || err instanceof SmsProviderFailed) {
      deps.logger.error({ verificationId: id, providers: err instanceof AllSmsProvidersFailed ? err.providers : [err.provider] }, 'no SMS provider could send the code');
      throw new BrokerError(503, 'SMS_UNAVAILABLE', 'The code could not be sent by SMS right now; try again shortly.', { headers: { 'Retry-After': '30' } });
    }
    throw err;
  }
}

/** `metrics` is given where a refusal is final (not inside a store change, which may run twice) */
function checkSendable(deps: BrokerDeps, v: Verification, metrics?: Pick<Metrics, 'rateLimitRefused'>): void {
  const now = deps.now();
  if (isPastExpiry(v, now)) throw new VerificationExpired();
  if (v.status !== 'fallback_required' && v.status !== 'otp_sent') throw new Conflict(`A code cannot be sent to a verification that is ${v.status}.`);
  const { maxSends, resendCooldownSeconds } = deps.config.otp;
  if (v.otp && v.otp.sends >= maxSends) {
    metrics?.rateLimitRefused('max_sends');
    throw new TooManyRequests('No more codes can be sent for this verification; start a new one later.', (Date.parse(v.expiresAt) - now.getTime()) / 1000);
  }
  const wait = v.otp ? Date.parse(v.otp.lastSentAt) + resendCooldownSeconds * 1000 - now.getTime() : 0;
  if (wait > 0) {
    metrics?.rateLimitRefused('resend_cooldown');
    throw new TooManyRequests('A code was just sent; wait before asking for another.', wait / 1000);
  }
}

/** Hands the message to the providers (or the code request to mPass); returns who took it. */
async function deliver(deps: BrokerDeps, v: Verification, code: string, ctx: SendContext): Promise<string> {
  const lang = chooseLanguage(v.lang, v.phoneNumber);
  if (deps.sms.mpass) {
    const outcome = await deps.sms.mpass.sendCode({ to: v.phoneNumber, lang, app: ctx.app });
    if (outcome !== 'accepted') throw new SmsProviderFailed('mpass', `mPass refused the send (${outcome})`);
    return 'mpass';
  }
  const body = renderOtpMessage({
    code,
    brand: deps.config.sms.brand,
    lang,
    host: new URL(deps.config.publicUrl).hostname,
    app: ctx.app,
    ttlMinutes: Math.ceil(deps.config.otp.ttlSeconds / 60),
  });
  const sent = await sendWithFailover(deps.sms.providers, { to: v.phoneNumber, body }, (provider) =>
    deps.logger.warn({ verificationId: v.id, provider, phoneNumber: maskPhoneNumber(v.phoneNumber) }, 'SMS provider failed; trying the next'),
  );
  return sent.provider;
}

