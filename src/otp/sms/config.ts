/**
 * The SMS settings, read from environment variables: documented defaults, validated once at start.
 *
 * Rules:
 * - SMS_PROVIDERS is the failover order; each provider named there needs its own variables, and a missing
 *   one is reported under that variable's name (the issue path), so the broker can print `VAR: message`.
 * - An empty variable counts as unset, as `.env` files write `NAME=` for "no value".
 * - The custom HTTP template and headers are checked here with the provider's own rules, so a broken one
 *   stops the broker at start.
 * - mPass is configured when MPASS_BASE_URL or MPASS_API_KEY is set, and then needs both.
 * The schema strips unknown keys, so it can be given the whole of process.env.
 */
import { z } from 'zod';
import { checkPayloadTemplate, InvalidHttpSmsSettings, parseStaticHeaders } from './http-template.js';
import { TWILIO_BASE_URL } from './twilio.js';
import { VONAGE_BASE_URL } from './vonage.js';

export const SMS_PROVIDER_NAMES = ['console', 'twilio', 'vonage', 'http'] as const;
export type SmsProviderName = (typeof SMS_PROVIDER_NAMES)[number];

export interface SmsConfig {
  providers: SmsProviderName[];
  timeoutMs: number;
  brand: string;
  twilio?: { accountSid: string; authToken: string; from?: string; messagingServiceSid?: string; baseUrl: string };
  vonage?: { apiKey: string; apiSecret: string; from: string; baseUrl: string };
  http?: { url: string; method: 'POST' | 'PUT'; contentType: 'JSON' | 'FORM'; payloadTemplate: string; headers: string };
  mpass?: { baseUrl: string; apiKey: string };
}

const DEFAULTS = {
  SMS_PROVIDERS: 'console',
  SMS_TIMEOUT_MS: 5000,
  SMS_BRAND: 'Verify',
  TWILIO_BASE_URL,
  VONAGE_BASE_URL,
  SMS_HTTP_METHOD: 'POST',
  SMS_HTTP_CONTENT_TYPE: 'JSON',
} as const;

const unsetIfBlank = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? undefined : value), schema);
const optionalText = () => unsetIfBlank(z.string().trim().optional());
const optionalHttpUrl = () =>
  unsetIfBlank(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).transform(withoutTrailingSlash).optional());
const httpUrlWithDefault = (fallback: string) =>
  unsetIfBlank(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default(fallback).transform(withoutTrailingSlash));

const providerList = z.string().transform((value, ctx) => {
  const names = value.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
  for (const name of names) {
    if (!(SMS_PROVIDER_NAMES as readonly string[]).includes(name)) {
      ctx.addIssue({ code: 'custom', message: `unknown provider "${name}"; use ${SMS_PROVIDER_NAMES.join(', ')}` });
    } else if (names.indexOf(name) !== names.lastIndexOf(name)) {
      ctx.addIssue({ code: 'custom', message: `"${name}" is listed twice` });
      break;
    }
  }
  if (names.length === 0) ctx.addIssue({ code: 'custom', message: 'name at least one provider' });
  return names as SmsProviderName[];
});

const smsEnvObject = z.object({
  SMS_PROVIDERS: unsetIfBlank(providerList.default([DEFAULTS.SMS_PROVIDERS])),
  SMS_TIMEOUT_MS: unsetIfBlank(z.coerce.number().int().min(100).max(60_000).default(DEFAULTS.SMS_TIMEOUT_MS)),
  SMS_BRAND: unsetIfBlank(z.string().trim().max(40).default(DEFAULTS.SMS_BRAND)),
  TWILIO_ACCOUNT_SID: optionalText(),
  TWILIO_AUTH_TOKEN: optionalText(),
  TWILIO_FROM: optionalText(),
  TWILIO_MESSAGING_SERVICE_SID: optionalText(),
  TWILIO_BASE_URL: httpUrlWithDefault(DEFAULTS.TWILIO_BASE_URL),
  VONAGE_API_KEY: optionalText(),
  VONAGE_API_SECRET: optionalText(),
  VONAGE_FROM: optionalText(),
  VONAGE_BASE_URL: httpUrlWithDefault(DEFAULTS.VONAGE_BASE_URL),
  SMS_HTTP_URL: optionalHttpUrl(),
  SMS_HTTP_METHOD: unsetIfBlank(z.string().trim().toUpperCase().pipe(z.enum(['POST', 'PUT'])).default(DEFAULTS.SMS_HTTP_METHOD)),
  SMS_HTTP_CONTENT_TYPE: unsetIfBlank(
    z.string().trim().toUpperCase().pipe(z.enum(['JSON', 'FORM'])).default(DEFAULTS.SMS_HTTP_CONTENT_TYPE),
  ),
  // templates and header values may contain meaningful spaces: not trimmed
  SMS_HTTP_PAYLOAD_TEMPLATE: unsetIfBlank(z.string().optional()),
  SMS_HTTP_HEADERS: unsetIfBlank(z.string().optional()),
  MPASS_BASE_URL: optionalHttpUrl(),
  MPASS_API_KEY: optionalText(),
});

type SmsEnv = z.output<typeof smsEnvObject>;
type SmsVariable = keyof SmsEnv;

export const smsEnvSchema = smsEnvObject
  .superRefine((env, ctx) => {
    const missing = (name: SmsVariable, message: string) => ctx.addIssue({ code: 'custom', path: [name], message });
    const requireFor = (provider: SmsProviderName, names: SmsVariable[]) => {
      for (const name of names) if (env[name] === undefined) missing(name, `required when SMS_PROVIDERS includes ${provider}`);
    };
    if (env.SMS_PROVIDERS.includes('twilio')) {
      requireFor('twilio', ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN']);
      if (!env.TWILIO_FROM && !env.TWILIO_MESSAGING_SERVICE_SID) {
        missing('TWILIO_FROM', 'set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID when SMS_PROVIDERS includes twilio');
      }
    }
    if (env.SMS_PROVIDERS.includes('vonage')) requireFor('vonage', ['VONAGE_API_KEY', 'VONAGE_API_SECRET', 'VONAGE_FROM']);
    if (env.SMS_PROVIDERS.includes('http')) {
      requireFor('http', ['SMS_HTTP_URL', 'SMS_HTTP_PAYLOAD_TEMPLATE']);
      checkHttpSettings(env, missing);
    }
    if (env.MPASS_BASE_URL || env.MPASS_API_KEY) {
      for (const name of ['MPASS_BASE_URL', 'MPASS_API_KEY'] as const) {
        if (!env[name]) missing(name, 'MPASS_BASE_URL and MPASS_API_KEY are needed together');
      }
    }
  })
  .transform(
    (env): SmsConfig => ({
      providers: env.SMS_PROVIDERS,
      timeoutMs: env.SMS_TIMEOUT_MS,
      brand: env.SMS_BRAND,
      // the `!`s below are safe: superRefine has required these variables for every listed provider
      twilio: env.SMS_PROVIDERS.includes('twilio')
        ? {
            accountSid: env.TWILIO_ACCOUNT_SID!,
            authToken: env.TWILIO_AUTH_TOKEN!,
            from: env.TWILIO_FROM,
            messagingServiceSid: env.TWILIO_MESSAGING_SERVICE_SID,
            baseUrl: env.TWILIO_BASE_URL,
          }
        : undefined,
      vonage: env.SMS_PROVIDERS.includes('vonage')
        ? { apiKey: env.VONAGE_API_KEY!, apiSecret: env.VONAGE_API_SECRET!, from: env.VONAGE_FROM!, baseUrl: env.VONAGE_BASE_URL }
        : undefined,
      http: env.SMS_PROVIDERS.includes('http')
        ? {
            url: env.SMS_HTTP_URL!,
            method: env.SMS_HTTP_METHOD,
            contentType: env.SMS_HTTP_CONTENT_TYPE,
            payloadTemplate: env.SMS_HTTP_PAYLOAD_TEMPLATE!,
            headers: env.SMS_HTTP_HEADERS ?? '',
          }
        : undefined,
      mpass: env.MPASS_BASE_URL && env.MPASS_API_KEY ? { baseUrl: env.MPASS_BASE_URL, apiKey: env.MPASS_API_KEY } : undefined,
    }),
  );

export const smsEnvDoc: Array<{ name: string; default?: string; description: string }> = [
  { name: 'SMS_PROVIDERS', default: DEFAULTS.SMS_PROVIDERS, description: 'SMS providers in failover order, comma separated: console, twilio, vonage, http. console prints codes: development only.' },
  { name: 'SMS_TIMEOUT_MS', default: String(DEFAULTS.SMS_TIMEOUT_MS), description: 'Deadline for one SMS provider call, in milliseconds (100 to 60000); past it the next provider is tried.' },
  { name: 'SMS_BRAND', default: DEFAULTS.SMS_BRAND, description: 'Sender name written at the start of every SMS (at most 40 characters).' },
  { name: 'TWILIO_ACCOUNT_SID', description: 'Twilio Account SID (required when SMS_PROVIDERS includes twilio).' },
  { name: 'TWILIO_AUTH_TOKEN', description: 'Twilio Auth Token (secret; required with twilio).' },
  { name: 'TWILIO_FROM', description: 'Twilio sender number or sender id; this or TWILIO_MESSAGING_SERVICE_SID is required with twilio.' },
  { name: 'TWILIO_MESSAGING_SERVICE_SID', description: 'Twilio Messaging Service SID, used instead of or with TWILIO_FROM.' },
  { name: 'TWILIO_BASE_URL', default: DEFAULTS.TWILIO_BASE_URL, description: 'Twilio API base URL (change only for tests or a regional edge).' },
  { name: 'VONAGE_API_KEY', description: 'Vonage API key (required when SMS_PROVIDERS includes vonage).' },
  { name: 'VONAGE_API_SECRET', description: 'Vonage API secret (secret; required with vonage).' },
  { name: 'VONAGE_FROM', description: 'Vonage sender number (digits) or alphanumeric sender id (required with vonage).' },
  { name: 'VONAGE_BASE_URL', default: DEFAULTS.VONAGE_BASE_URL, description: 'Vonage SMS API base URL (change only for tests).' },
  { name: 'SMS_HTTP_URL', description: 'Custom HTTP SMS gateway URL (required when SMS_PROVIDERS includes http).' },
  { name: 'SMS_HTTP_METHOD', default: DEFAULTS.SMS_HTTP_METHOD, description: 'HTTP method for the custom gateway: POST or PUT.' },
  { name: 'SMS_HTTP_CONTENT_TYPE', default: DEFAULTS.SMS_HTTP_CONTENT_TYPE, description: 'Payload encoding for the custom gateway: JSON or FORM.' },
  { name: 'SMS_HTTP_PAYLOAD_TEMPLATE', description: 'Custom gateway payload with {{body}} and {{mobile}}, e.g. {"content": {{body}}, "to": {{mobile}}} or to={{mobile}}&text={{body}}; values are escaped for the content type (required with http).' },
  { name: 'SMS_HTTP_HEADERS', description: 'Static headers for the custom gateway, "name: value, name: value" (values cannot contain commas; may hold secrets).' },
  { name: 'MPASS_BASE_URL', description: 'mPass server, scheme and host (e.g. https://mpass.example.com); with MPASS_API_KEY enables mPass as the code upstream.' },
  { name: 'MPASS_API_KEY', description: 'mPass channel key (secret; required with MPASS_BASE_URL).' },
];

function checkHttpSettings(env: SmsEnv, report: (name: SmsVariable, message: string) => void): void {
  try {
    if (env.SMS_HTTP_PAYLOAD_TEMPLATE) checkPayloadTemplate(env.SMS_HTTP_PAYLOAD_TEMPLATE, env.SMS_HTTP_CONTENT_TYPE);
  } catch (err) {
    if (!(err instanceof InvalidHttpSmsSettings)) throw err;
    report('SMS_HTTP_PAYLOAD_TEMPLATE', err.message);
  }
  try {
    parseStaticHeaders(env.SMS_HTTP_HEADERS);
  } catch (err) {
    if (!(err instanceof InvalidHttpSmsSettings)) throw err;
    report('SMS_HTTP_HEADERS', err.message);
  }
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
