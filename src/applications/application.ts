import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { numberRecyclingPolicySchema, simSwapPolicySchema } from '../config/fraud-signals.js';
import { isWebhookSecret } from '../config/webhooks.js';
import { parseReturnUrlPrefix } from '../config/return-url-prefixes.js';
import { LANGUAGES } from '../otp/messages.js';
import { randomToken } from '../random.js';

/**
 * An application: what a backend team gets from the broker (issue 14). It holds hashed API keys (several, for
 * rotation), where its webhook events go, the return URLs its devices may be sent to, its SMS brand and
 * languages, the countries it may send codes to, and its own limits.
 *
 * Rules:
 * - an API key is `vbk_<keyId>_<secret>`: the key id (12 base64url characters) finds the application without
 *   listing them, the secret (32 random bytes) is what proves the caller. Only SHA-256 of the whole key is
 *   stored: the key is 256 bits of randomness, so a slow password hash would add cost and no safety;
 * - a key is shown once, when it is made; a revoked key stays listed (with `revokedAt`) and never works again;
 * - the comparison takes the same time whatever is sent (timingSafeEqual on equal-length digests);
 * - every field is validated by `applicationSchema` when written and when read (a record that does not parse
 *   reads as absent, so a tampered row opens nothing).
 */
export const API_KEY = /^vbk_([A-Za-z0-9_-]{12})_([A-Za-z0-9_-]{43})$/;
export const APPLICATION_ID = /^[\w.-]{1,64}$/;

export const apiKeySchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{12}$/),
  /** SHA-256 of the whole key, hex */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.iso.datetime(),
  revokedAt: z.iso.datetime().optional(),
});

const returnUrlPrefix = z.string().max(512).refine((value) => typeof parseReturnUrlPrefix(value) !== 'string', {
  message: 'must be an http(s) URL or an app deep link (scheme://host/path), without query, fragment or credentials',
});
const credentialOrigin = z
  .string()
  .max(300)
  .refine((value) => /^android:apk-key-hash:[A-Za-z0-9_+/=-]{20,100}$/.test(value) || isWebOrigin(value), {
    message: 'must be a web origin (https://host[:port]) or android:apk-key-hash:<hash>',
  });
const country = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as ES');

/** What an administrator may set (create and update take these fields). */
export const applicationSettingsSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  webhookUrl: z.url({ protocol: /^https?$/ }).max(2048).optional(),
  returnUrlPrefixes: z.array(returnUrlPrefix).max(20).default([]),
  sms: z
    .strictObject({
      /** who the SMS says it is from; default: SMS_BRAND */
      brand: z.string().trim().min(1).max(30).optional(),
      /** languages its users may get the SMS in; others fall back to the first */
      languages: z.array(z.enum(LANGUAGES)).min(1).optional(),
    })
    .default({}),
  countries: z
    .strictObject({ allow: z.array(country).max(250).default([]), deny: z.array(country).max(250).default([]) })
    .default({ allow: [], deny: [] }),
  limits: z
    .strictObject({
      /** every request made with one of its keys */
      requestsPerMinute: z.number().int().min(1).max(1_000_000).default(600),
      /** verifications started with its keys */
      startsPerMinute: z.number().int().min(1).max(100_000).default(60),
      /** SMS codes sent for its verifications, per 24 hours (the broker-wide SMS_DAILY_BUDGET applies too) */
      smsPerDay: z.number().int().min(0).max(10_000_000).default(1000),
    })
    .default({ requestsPerMinute: 600, startsPerMinute: 60, smsPerDay: 1000 }),
  /** fraud signals (issue 17): when set, the application's SIM Swap policy wins over the operator's */
  simSwap: simSwapPolicySchema.optional(),
  /** what a number recycled since the start's `knownSince` does (default when knownSince is given: flag) */
  numberRecycling: numberRecyclingPolicySchema.optional(),
  /**
   * issue 18: the origins of the application's apps and pages that present the carrier's credential (the Digital
   * Credentials API puts `origin:<origin>` in the key-binding JWT's aud): a web origin (`https://app.example.com`) or an
   * Android app's (`android:apk-key-hash:<base64url SHA-256 of its signing certificate>`). None: no digital_credential.
   */
  credentialOrigins: z.array(credentialOrigin).max(20).optional(),
});

export const applicationSchema = applicationSettingsSchema.extend({
  id: z.string().regex(APPLICATION_ID),
  keys: z.array(apiKeySchema).max(20),
  webhookSecret: z.string().refine(isWebhookSecret),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export type ApiKeyRecord = z.output<typeof apiKeySchema>;
export type ApplicationSettings = z.output<typeof applicationSettingsSchema>;
export type Application = z.output<typeof applicationSchema>;

/** how many keys an application may hold (live and revoked): rotation needs two, history a few more */
export const MAX_KEYS = 20;

/** A new key: the key itself (shown once) and what is stored of it. */
export function newApiKey(now: Date): { key: string; record: ApiKeyRecord } {
  const id = randomToken(9); // 12 base64url characters
  const key = `vbk_${id}_${randomToken(32)}`;
  return { key, record: { id, hash: digest(key), createdAt: now.toISOString() } };
}

/** The key id a presented key claims, or undefined when it is not shaped like one of ours. */
export function keyIdOf(presented: string): string | undefined {
  return API_KEY.exec(presented)?.[1];
}

/** The application's live key that `presented` is, if any (constant time over the digest). */
export function liveKeyOf(app: Application, presented: string): ApiKeyRecord | undefined {
  const id = keyIdOf(presented);
  const record = app.keys.find((k) => k.id === id);
  if (!record || record.revokedAt) return undefined;
  return timingSafeEqual(Buffer.from(record.hash, 'hex'), Buffer.from(digest(presented), 'hex')) ? record : undefined;
}

export function newWebhookSecret(): string {
  return `whsec_${Buffer.from(randomToken(32), 'base64url').toString('base64')}`;
}

/** `https://host[:port]` exactly as URL.origin writes it (http only for loopback, as in development) */
function isWebOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    const loopback = /^(localhost|127(\.\d+){3}|\[::1\])$/.test(url.hostname);
    return url.origin === value && (url.protocol === 'https:' || (url.protocol === 'http:' && loopback));
  } catch {
    return false;
  }
}

function digest(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
