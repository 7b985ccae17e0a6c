import type { BrokerDeps } from '../../deps.js';
import { codeReserved, noted, sendGivenBack, sendRefusal, type SendRefusal, type Transition } from '../../domain/lifecycle.js';
import { event, type OtpState, type Verification } from '../../domain/verification.js';
import { BrokerError, Conflict, DestinationBlocked, InvalidArgument, NotFound, SmsUnavailable, TooManyRequests, VerificationExpired } from '../../errors.js';
import type { OperatorConfig } from '../../config/index.js';
import type { Metrics } from '../../metrics/index.js';
import { generateCode, hashCode } from '../../otp/code.js';
import { camaraOtpProvider, operatorMessage } from '../../otp/camara-otp.js';
import { chooseLanguage, renderOtpMessage } from '../../otp/messages.js';
import { AllSmsProvidersFailed, SmsProviderFailed, sendWithFailover } from '../../otp/sms/index.js';
import { canReceiveSms, maskPhoneNumber } from '../../phone.js';
import { applyTransition, loadVerification } from '../verifications.js';
import type { Application } from '../../applications/application.js';
import { storedApplication } from '../../applications/registry.js';
import { screenBeforeSms } from '../risk/screen-before-sms.js';

export interface SendContext {
  /** the end user's address, for the per-network limit; absent (a backend that passed none): that limit is not taken */
  clientIp?: string;
  /** shown in the message when given (mPass `app`, Cloud Softphone appid) */
  app?: string;
}

export type SendDeps = Pick<BrokerDeps, 'config' | 'store' | 'metrics' | 'logger' | 'now' | 'sms' | 'operators'>;

/**
 * Sends a new one-time code for a verification that needs the SMS leg (first send or resend).
 *
 * Rules:
 * - only a verification in fallback_required or otp_sent, not expired, can be sent a code (lifecycle.ts
 *   sendRefusal);
 * - at most OTP_MAX_SENDS sends per verification, and OTP_RESEND_COOLDOWN_SECONDS between two → 429;
 * - the fraud limits (SmsLimits) are taken before sending; a refusal is recorded as an event and sends nothing;
 *   for a stored application's verification its countries and budget count too, and the SMS carries its brand
 *   in one of its languages;
 * - only a verification whose workflow has `sms` is ever sent a code (lifecycle.ts allowsSms);
 * - then the fraud signals a policy asks for (risk/screen-before-sms.ts): a block fails it and sends nothing;
 * - the new code replaces the previous one and is stored only as its HMAC, bound to the verification id;
 *   the check-attempt counter is per verification, so a resend does not buy more guesses;
 * - OTP_ENGINE=mpass, and camara-otp for a number whose operator has `otpSms`, leave the code to the upstream
 *   (chooseOtpEngine): the broker stores no code, only camara-otp's authenticationId; the operator refusing the
 *   number is DESTINATION_BLOCKED, refusing more codes 429, both given back like a failed send;
 * - if every provider fails, the previous state comes back, the send is not counted, and the answer is 503.
 */
export async function sendCode(deps: SendDeps, id: string, ctx: SendContext): Promise<Verification> {
  const { otp: settings } = deps.config;
  const before = await loadVerification(deps, id);
  if (!before) throw new NotFound('The verification does not exist.');
  const refused = sendRefusal(before, deps.now(), settings);
  if (refused) throw refusalError(refused, deps.metrics);
  if (!canReceiveSms(before.phoneNumber)) {
    // a landline (a +34 91 number got a text): nothing can arrive, and sending costs money
    await applyTransition(deps, id, noted([event('sms_refused', { code: 'NOT_A_MOBILE_NUMBER' }, deps.now())], deps.now()));
    throw new InvalidArgument('This number is a landline, which cannot receive a code by SMS. Use a mobile number.');
  }

  const engine = await chooseOtpEngine(deps, before.phoneNumber);
  // a stored application's own countries, budget, brand and languages (the configured ones have none)
  const application = await storedApplication(deps, before.applicationId);
  let reservation: { release(): Promise<void> };
  try {
    reservation = await deps.sms.limits.reserve(before.phoneNumber, ctx.clientIp ?? before.backend?.clientIp, application);
  } catch (err) {
    if (err instanceof BrokerError) await applyTransition(deps, id, noted([event('sms_refused', { code: err.code }, deps.now())], deps.now()));
    if (err instanceof BrokerError && err.code === 'SMS_BUDGET_EXHAUSTED') deps.logger.error({ verificationId: id }, 'daily SMS budget exhausted: SMS sends are refused');
    throw err;
  }
  await screenBeforeSms(deps, before, application, reservation);

  const now = deps.now();
  const code = engine.kind === 'local' ? generateCode(settings.length) : '';
  const otp: OtpState = {
    codeHash: code ? hashCode(deps.sms.codeKey, id, code) : '',
    expiresAt: new Date(now.getTime() + settings.ttlSeconds * 1000).toISOString(),
    attempts: before.otp?.attempts ?? 0,
    sends: (before.otp?.sends ?? 0) + 1,
    lastSentAt: now.toISOString(),
    ...(engine.kind !== 'local' && { provider: engine.provider }),
    ...(ctx.app && { app: ctx.app }),
  };
  const reserved = await applyTransition(deps, id, codeReserved(now, otp, settings));
  if (!reserved) {
    await reservation.release();
    deps.metrics.rateLimitRefused('resend_cooldown');
    throw new TooManyRequests('A code was just sent; wait before asking for another.', settings.resendCooldownSeconds || 1);
  }

  try {
    const delivered = await deliver(deps, reserved, code, ctx, application, engine);
    return (await applyTransition(deps, id, codeSent(delivered, otp, deps.now())))!;
  } catch (err) {
    await reservation.release();
    await applyTransition(deps, id, sendGivenBack(deps.now(), otp.lastSentAt, before));
    if (err instanceof AllSmsProvidersFailed || err instanceof SmsProviderFailed) {
      deps.logger.error({ verificationId: id, providers: err instanceof AllSmsProvidersFailed ? err.providers : [err.provider] }, 'no SMS provider could send the code');
      throw new SmsUnavailable('sent');
    }
    throw err;
  }
}

function refusalError(refused: SendRefusal, metrics: Pick<Metrics, 'rateLimitRefused'>): BrokerError {
  switch (refused.refusal) {
    case 'expired':
      return new VerificationExpired();
    case 'not_waiting_for_sms':
      return new Conflict(`A code cannot be sent to a verification that is ${refused.status}.`);
    case 'not_in_workflow':
      return new Conflict('The workflow of this verification has no sms channel.');
    case 'max_sends':
      metrics.rateLimitRefused('max_sends');
      return new TooManyRequests('No more codes can be sent for this verification; start a new one later.', refused.retryAfterSeconds);
    case 'cooldown':
      metrics.rateLimitRefused('resend_cooldown');
      return new TooManyRequests('A code was just sent; wait before asking for another.', refused.retryAfterSeconds);
  }
}

type OtpEngine = { kind: 'local' } | { kind: 'mpass'; provider: 'mpass' } | { kind: 'camara-otp'; provider: string; operator: OperatorConfig };

/**
 * Who makes, sends and checks this number's code: OTP_ENGINE, where camara-otp is the One Time Password SMS of
 * the operator serving the number (routed as for Number Verification) when it has `otpSms`, else the local engine.
 */
async function chooseOtpEngine(deps: SendDeps, phoneNumber: string): Promise<OtpEngine> {
  const { engine } = deps.config.otp;
  if (engine === 'mpass') return { kind: 'mpass', provider: 'mpass' };
  if (engine === 'camara-otp' && deps.sms.camaraOtp) {
    const operator = await deps.operators.serving(phoneNumber);
    if (operator?.otpSms) return { kind: 'camara-otp', provider: camaraOtpProvider(operator), operator };
  }
  return { kind: 'local' };
}

interface Delivered {
  provider: string;
  /** camara-otp: the operator's id for the code it sent */
  authenticationId?: string;
}

/** The send went out: its event, and the operator's authenticationId kept on the code it belongs to. */
function codeSent(delivered: Delivered, otp: OtpState, now: Date): Transition {
  return (v) => {
    const sameCode = delivered.authenticationId !== undefined && v.otp?.lastSentAt === otp.lastSentAt;
    return {
      next: {
        ...v,
        ...(sameCode && { otp: { ...v.otp!, authenticationId: delivered.authenticationId } }),
        updatedAt: now.toISOString(),
        events: [...v.events, event('otp_sent', { provider: delivered.provider, send: otp.sends }, now)],
      },
    };
  };
}

/** Hands the message to the providers (or the code request to mPass or the operator); says who took it. */
async function deliver(deps: SendDeps, v: Verification, code: string, ctx: SendContext, application: Application | undefined, engine: OtpEngine): Promise<Delivered> {
  const chosen = chooseLanguage(v.lang, v.phoneNumber);
  const languages = application?.sms.languages;
  // an application that writes its SMS in some languages only gets its first one for the others
  const lang = !languages || languages.includes(chosen) ? chosen : languages[0];
  if (engine.kind === 'mpass') {
    const outcome = await deps.sms.mpass!.sendCode({ to: v.phoneNumber, lang, app: ctx.app });
    if (outcome !== 'accepted') throw new SmsProviderFailed('mpass', `mPass refused the send (${outcome})`);
    return { provider: 'mpass' };
  }
  const message = {
    brand: application?.sms.brand ?? deps.config.sms.brand,
    lang,
    host: new URL(deps.config.publicUrl).hostname,
    app: ctx.app,
    ttlMinutes: Math.ceil(deps.config.otp.ttlSeconds / 60),
  };
  if (engine.kind === 'camara-otp') return sendThroughOperator(deps, v, engine, operatorMessage(message));
  const body = renderOtpMessage({ code, ...message });
  const sent = await sendWithFailover(deps.sms.providers, { to: v.phoneNumber, body }, (provider) =>
    deps.logger.warn({ verificationId: v.id, provider, phoneNumber: maskPhoneNumber(v.phoneNumber) }, 'SMS provider failed; trying the next'),
  );
  return { provider: sent.provider };
}

/** One Time Password SMS: the operator's refusal is recorded with its code and answered as the broker's own. */
async function sendThroughOperator(deps: SendDeps, v: Verification, engine: Extract<OtpEngine, { kind: 'camara-otp' }>, message: string): Promise<Delivered> {
  const outcome = await deps.sms.camaraOtp!.sendCode(engine.operator, { phoneNumber: v.phoneNumber, message });
  if (outcome.sent) return { provider: engine.provider, authenticationId: outcome.authenticationId };
  await applyTransition(deps, v.id, noted([event('sms_refused', { code: outcome.operatorCode, provider: engine.provider }, deps.now())], deps.now()));
  if (outcome.refusal === 'too_many_codes') {
    throw new TooManyRequests('The operator sends no more codes to this number for now; try again later.', outcome.retryAfterSeconds ?? 60);
  }
  throw new DestinationBlocked("This number's operator refuses to send it a code.");
}
