// What the sandbox knows about its mobile lines' history, for SIM Swap and Number Recycling, and the One Time
// Password SMS settings: checked once at start (a bad option fails there), then only read.
import type { SandboxLineOptions } from './options.js';
import { isE164PhoneNumber } from './phone-number.js';

/** When every line not marked otherwise was activated: long ago, so no `maxAge` (≤ 2400 hours) reaches it. */
export const ACTIVATION_DATE = new Date('2020-01-01T00:00:00Z');

const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;
const HOUR_MS = 3_600_000;

export interface OtpSmsSettings {
  codeTtlMs: number;
  maxAttempts: number;
  maxCodesPerHour: number;
  blockedNumbers: ReadonlySet<string>;
}

export interface LineSettings {
  /** number → when its SIM was last swapped */
  swappedAt: ReadonlyMap<string, Date>;
  /** number → the day (YYYY-MM-DD) its current subscriber took it over */
  subscribedSince: ReadonlyMap<string, string>;
  serviceNotApplicable: ReadonlySet<string>;
  /** numbers the SIM table or these settings name; a 3-legged token's subscriber is served as well */
  served: ReadonlySet<string>;
  otpSms: OtpSmsSettings;
}

/** Applies defaults and throws a `TypeError` naming the first bad value. `startedAt` anchors "N hours ago". */
export function checkLines(options: SandboxLineOptions, simNumbers: Iterable<string>, startedAt: Date): LineSettings {
  const swappedAt = new Map<string, Date>();
  for (const [phoneNumber, hoursAgo] of Object.entries(options.simSwaps ?? {})) {
    checkNumber(phoneNumber, 'simSwaps');
    if (!(Number.isFinite(hoursAgo) && hoursAgo >= 0)) throw new TypeError(`sandbox: lines.simSwaps["${phoneNumber}"] must be hours ago (≥ 0), got ${hoursAgo}`);
    swappedAt.set(phoneNumber, new Date(startedAt.getTime() - hoursAgo * HOUR_MS));
  }
  const subscribedSince = new Map<string, string>();
  for (const [phoneNumber, since] of Object.entries(options.recycledNumbers ?? {})) {
    checkNumber(phoneNumber, 'recycledNumbers');
    if (!isCalendarDate(since)) throw new TypeError(`sandbox: lines.recycledNumbers["${phoneNumber}"] must be a date YYYY-MM-DD, got "${since}"`);
    subscribedSince.set(phoneNumber, since);
  }
  const serviceNotApplicable = new Set(options.serviceNotApplicable ?? []);
  serviceNotApplicable.forEach((phoneNumber) => checkNumber(phoneNumber, 'serviceNotApplicable'));
  const otpSms = checkOtpSms(options.otpSms ?? {});
  const served = new Set([...simNumbers, ...swappedAt.keys(), ...subscribedSince.keys(), ...serviceNotApplicable, ...otpSms.blockedNumbers]);
  return { swappedAt, subscribedSince, serviceNotApplicable, served, otpSms };
}

/**
 * The latest time a SIM was attached to the number: its swap, or the day a new subscriber took it over (the
 * SIM Swap spec counts a new subscription as a swap), whichever is later; else the activation date.
 */
export function latestSimChange(lines: LineSettings, phoneNumber: string): Date {
  const since = lines.subscribedSince.get(phoneNumber);
  const candidates = [ACTIVATION_DATE, lines.swappedAt.get(phoneNumber), since === undefined ? undefined : new Date(`${since}T00:00:00Z`)];
  return new Date(Math.max(...candidates.filter((date): date is Date => date !== undefined).map((date) => date.getTime())));
}

/** Whether the number changed subscriber after `specifiedDate` (the day of the takeover itself is not "after"). */
export function recycledAfter(lines: LineSettings, phoneNumber: string, specifiedDate: string): boolean {
  const since = lines.subscribedSince.get(phoneNumber);
  return since !== undefined && specifiedDate < since; // YYYY-MM-DD strings order as dates
}

/** A real calendar day in RFC 3339 `full-date` form (2026-02-30 is not one). */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string' || !CALENDAR_DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

function checkOtpSms(options: NonNullable<SandboxLineOptions['otpSms']>): OtpSmsSettings {
  const { codeTtlSeconds = 300, maxAttempts = 3, maxCodesPerHour = 10, blockedNumbers = [] } = options;
  if (!(Number.isFinite(codeTtlSeconds) && codeTtlSeconds > 0)) throw new TypeError(`sandbox: lines.otpSms.codeTtlSeconds must be positive, got ${codeTtlSeconds}`);
  if (!(Number.isInteger(maxAttempts) && maxAttempts >= 1)) throw new TypeError(`sandbox: lines.otpSms.maxAttempts must be an integer ≥ 1, got ${maxAttempts}`);
  if (!(Number.isInteger(maxCodesPerHour) && maxCodesPerHour >= 1)) throw new TypeError(`sandbox: lines.otpSms.maxCodesPerHour must be an integer ≥ 1, got ${maxCodesPerHour}`);
  blockedNumbers.forEach((phoneNumber) => checkNumber(phoneNumber, 'otpSms.blockedNumbers'));
  return { codeTtlMs: codeTtlSeconds * 1000, maxAttempts, maxCodesPerHour, blockedNumbers: new Set(blockedNumbers) };
}

function checkNumber(phoneNumber: string, option: string): void {
  if (!isE164PhoneNumber(phoneNumber)) throw new TypeError(`sandbox: lines.${option} needs E.164 numbers like +34600000003, got "${phoneNumber}"`);
}
