import { z } from 'zod';
import { intVar, listVar, type EnvDoc } from './env.js';

export const rate = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const match = /^(\d+)\/(\d+)$/.exec(value.trim());
      if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
        ctx.addIssue({ code: 'custom', message: 'must be COUNT/SECONDS, e.g. 5/3600' });
        return z.NEVER;
      }
      return { points: Number(match[1]), duration: Number(match[2]) };
    });

const countries = (fallback: string) =>
  listVar(fallback).pipe(z.array(z.string().regex(/^[A-Z]{2}$/, 'ISO 3166 alpha-2 codes, e.g. ES,GB')));

export const otpEnvSchema = z.object({
  OTP_ENGINE: z.enum(['local', 'mpass', 'camara-otp']).default('local'),
  OTP_LENGTH: intVar(6, 4, 10),
  // NIST SP 800-63B: a code sent out of band is valid 10 minutes at most
  OTP_TTL_SECONDS: intVar(300, 30, 600),
  OTP_MAX_ATTEMPTS: intVar(5, 1, 10),
  OTP_MAX_SENDS: intVar(5, 1, 10),
  OTP_RESEND_COOLDOWN_SECONDS: intVar(30, 0, 600),
  SMS_LIMIT_PER_NUMBER: rate('5/3600'),
  SMS_LIMIT_PER_IP: rate('20/3600'),
  SMS_LIMIT_PER_PREFIX: rate('50/3600'),
  SMS_PREFIX_DIGITS: intVar(6, 2, 12),
  SMS_DAILY_BUDGET: intVar(1000, 1, 100_000_000),
  SMS_COUNTRIES_ALLOW: countries(''),
  SMS_COUNTRIES_DENY: countries(''),
});

export type OtpEnv = z.output<typeof otpEnvSchema>;

export const otpEnvDoc: EnvDoc[] = [
  { name: 'OTP_ENGINE', default: 'local', description: 'local: the broker makes, sends and checks codes; mpass: an mPass server (MPASS_BASE_URL, MPASS_API_KEY) does; camara-otp: the operator serving the number does, through CAMARA One Time Password SMS, when its BROKER_CONFIG entry has otpSms: true (other numbers: local).' },
  { name: 'OTP_LENGTH', default: '6', description: 'Digits in a one-time code (4–10).' },
  { name: 'OTP_TTL_SECONDS', default: '300', description: 'How long a code is valid (at most 600, per NIST SP 800-63B).' },
  { name: 'OTP_MAX_ATTEMPTS', default: '5', description: 'Code checks per verification; the last wrong one fails the verification.' },
  { name: 'OTP_MAX_SENDS', default: '5', description: 'SMS sends (first send and resends) per verification.' },
  { name: 'OTP_RESEND_COOLDOWN_SECONDS', default: '30', description: 'Wait between two sends of one verification.' },
  { name: 'SMS_LIMIT_PER_NUMBER', default: '5/3600', description: 'SMS sends per destination number per window (COUNT/SECONDS).' },
  { name: 'SMS_LIMIT_PER_IP', default: '20/3600', description: 'SMS sends requested per client IP per window.' },
  { name: 'SMS_LIMIT_PER_PREFIX', default: '50/3600', description: 'SMS sends per number prefix (SMS_PREFIX_DIGITS digits) per window: stops pumping runs across a number range.' },
  { name: 'SMS_PREFIX_DIGITS', default: '6', description: 'Digits (after +) that make the prefix for SMS_LIMIT_PER_PREFIX.' },
  { name: 'SMS_DAILY_BUDGET', default: '1000', description: 'SMS sends allowed per 24 hours across the whole broker.' },
  { name: 'SMS_COUNTRIES_ALLOW', default: '(all)', description: 'If set, only numbers of these regions (ISO codes, comma-separated) get an SMS.' },
  { name: 'SMS_COUNTRIES_DENY', default: '(none)', description: 'Regions (ISO codes) never sent an SMS: DESTINATION_BLOCKED.' },
];
