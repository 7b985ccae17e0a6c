// The One Time Password SMS API's memory: the codes it "sent", their attempts and expiry, and the SMS
// themselves for tests. Owned by whoever creates it (one per running sandbox), so there is no module state.
import { randomInt, randomUUID } from 'node:crypto';

import {
  InvalidOtp,
  MaxOtpCodesExceeded,
  NotFound,
  OtpVerificationExpired,
  OtpVerificationFailed,
  PhoneNumberBlocked,
  PhoneNumberNotAllowed,
} from './errors.js';
import type { OtpSmsSettings } from './lines.js';
import type { SandboxSms } from './options.js';

export const CODE_PLACEHOLDER = '{{code}}';

const CODE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const LETTERS = 26;
const HOUR_MS = 3_600_000;
/** how long an expired authenticationId still answers VERIFICATION_EXPIRED rather than 404 */
const REMEMBER_EXPIRED_MS = HOUR_MS;
/** SMS kept for `sentTo`: enough for any test, bounded so nothing grows */
const KEEP_SMS = 100;

interface Authentication {
  clientId: string;
  phoneNumber: string;
  code: string;
  expiresAt: number;
  wrongCodes: number;
  validated: boolean;
}

export interface SendCodeRequest {
  clientId: string;
  phoneNumber: string;
  message: string;
  /** whether the sandbox serves the number (its lines, or the subscriber of the caller's 3-legged token) */
  served: boolean;
}

export type OtpAuthentications = ReturnType<typeof createOtpAuthentications>;

export function createOtpAuthentications(settings: OtpSmsSettings, now: () => number = Date.now) {
  const authentications = new Map<string, Authentication>();
  const sendTimes = new Map<string, number[]>();
  const outbox: SandboxSms[] = [];

  return {
    /**
     * Rules, checked in this order:
     * - a number in `blockedNumbers` → 403 ONE_TIME_PASSWORD_SMS.PHONE_NUMBER_BLOCKED;
     * - a number the sandbox does not serve cannot receive its SMS → 403 ONE_TIME_PASSWORD_SMS.PHONE_NUMBER_NOT_ALLOWED;
     * - at most `maxCodesPerHour` codes per number in any hour → else 403 ONE_TIME_PASSWORD_SMS.MAX_OTP_CODES_EXCEEDED;
     * - each send is a new authenticationId with its own code; earlier ones stay valid until they expire.
     */
    send({ clientId, phoneNumber, message, served }: SendCodeRequest): SandboxSms {
      const at = now();
      forgetOld(at);
      if (settings.blockedNumbers.has(phoneNumber)) throw new PhoneNumberBlocked();
      if (!served) throw new PhoneNumberNotAllowed();
      const recentSends = sendTimes.get(phoneNumber) ?? [];
      if (recentSends.length >= settings.maxCodesPerHour) throw new MaxOtpCodesExceeded();
      sendTimes.set(phoneNumber, [...recentSends, at]);

      const authenticationId = randomUUID();
      const code = generateCode();
      authentications.set(authenticationId, { clientId, phoneNumber, code, expiresAt: at + settings.codeTtlMs, wrongCodes: 0, validated: false });
      const sms = { phoneNumber, text: message.split(CODE_PLACEHOLDER).join(code), code, authenticationId, sentAt: new Date(at) };
      outbox.unshift(sms);
      outbox.splice(KEEP_SMS);
      return sms;
    },

    /**
     * Rules, checked in this order:
     * - an authenticationId this client was given → else 404 NOT_FOUND (another client's is not revealed);
     * - not yet validated and not expired → else 400 ONE_TIME_PASSWORD_SMS.VERIFICATION_EXPIRED (a code is used once);
     * - fewer than `maxAttempts` wrong codes so far → else 400 ONE_TIME_PASSWORD_SMS.VERIFICATION_FAILED;
     * - the code, compared without regard to case (people type what they read) → else 400
     *   ONE_TIME_PASSWORD_SMS.INVALID_OTP, or VERIFICATION_FAILED when that wrong code was the last attempt.
     */
    validate(clientId: string, authenticationId: string, code: string): void {
      const authentication = authentications.get(authenticationId);
      if (!authentication || authentication.clientId !== clientId) throw new NotFound();
      if (authentication.validated || now() >= authentication.expiresAt) throw new OtpVerificationExpired();
      if (authentication.wrongCodes >= settings.maxAttempts) throw new OtpVerificationFailed();
      if (code.toUpperCase() !== authentication.code) {
        authentication.wrongCodes += 1;
        throw authentication.wrongCodes >= settings.maxAttempts ? new OtpVerificationFailed() : new InvalidOtp();
      }
      authentication.validated = true;
    },

    /** The SMS sent to a number, newest first. */
    sentTo(phoneNumber: string): SandboxSms[] {
      return outbox.filter((sms) => sms.phoneNumber === phoneNumber).map((sms) => ({ ...sms }));
    },
  };

  function forgetOld(at: number): void {
    for (const [id, authentication] of authentications) {
      if (authentication.expiresAt + REMEMBER_EXPIRED_MS < at) authentications.delete(id);
    }
    for (const [phoneNumber, times] of sendTimes) {
      const recent = times.filter((time) => time > at - HOUR_MS);
      if (recent.length === 0) sendTimes.delete(phoneNumber);
      else sendTimes.set(phoneNumber, recent);
    }
  }
}

/**
 * 4–6 characters of A–Z and 0–9, at least one a letter, like the spec's example `AJY3`: a client that
 * accepts only digits fails visibly against the sandbox rather than against a real operator.
 */
export function generateCode(): string {
  const length = randomInt(4, 7);
  const characters = Array.from({ length }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]);
  characters[randomInt(length)] = CODE_ALPHABET[randomInt(LETTERS)];
  return characters.join('');
}
